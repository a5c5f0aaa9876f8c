// The README's quick start, runnable: `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/quick-start.ts`
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const redlock = new Redlock(urls, { keyPrefix: process.env.TENURE_PREFIX ?? 'tenure:' });
const processed: string[] = [];

// Wait up to 10 s for the lock, hold it for at most 30 s, release it at the end of the scope.
{
  await using lock = await redlock.acquire('orders', { ttl: 30_000, wait: 10_000 });
  processed.push(`orders while held: ${lock.isHeld}`);
}

// Run a routine under the lock, kept alive while it runs; it learns when the lock is lost.
await redlock.using('nightly-report', { ttl: 10_000 }, async (lock) => {
  await Promise.resolve(); // buildReport({ signal: lock.signal })
  processed.push(`report, signal aborted: ${lock.signal.aborted}`);
});

// One attempt, no waiting: a second attempt while the first holds it gets null.
const lock = await redlock.tryAcquire('cache-refresh', { ttl: 5_000 });
const second = await redlock.tryAcquire('cache-refresh', { ttl: 5_000 });
processed.push(`first: ${lock !== null}, second: ${second !== null}, released: ${await lock!.release()}`);

await redlock.close();
console.log(processed.join('\n'));
