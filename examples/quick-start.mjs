// The README's quick start in plain JavaScript, as Node.js 20 runs it (no `await using`,
// which needs TypeScript or Node.js >= 24): `TENURE_REDIS=redis://127.0.0.1:6379 node examples/quick-start.mjs`
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const redlock = new Redlock(urls, { keyPrefix: process.env.TENURE_PREFIX ?? 'tenure:' });
const processed = [];

// Wait up to 10 s for the lock, hold it for at most 30 s, release it when done.
const lock = await redlock.acquire('orders', { ttl: 30_000, wait: 10_000 });
try {
  processed.push(`orders while held: ${lock.isHeld}`);
} finally {
  await lock.release();
}

// Run a routine under the lock, kept alive while it runs; it learns when the lock is lost.
await redlock.using('nightly-report', { ttl: 10_000 }, async (held) => {
  processed.push(`report, signal aborted: ${held.signal.aborted}`);
});

// One attempt, no waiting.
const refresh = await redlock.tryAcquire('cache-refresh', { ttl: 5_000 });
if (refresh) {
  try {
    processed.push('refreshed the cache');
  } finally {
    await refresh.release();
  }
}

await redlock.close();
console.log(processed.join('\n'));
