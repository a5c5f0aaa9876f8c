/**
 * A server that stalls (SIGSTOP 400 ms) longer than commandTimeout (200 ms) never orphans a
 * lock: the connection stays open, the late yes of a timed-out attempt is undone when it
 * arrives, and a release that timed out still lands. The resource is free again within a
 * second of the stall's end, for the caller and for others.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lockKey } from '../../src/index.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
afterEach(async () => {
  set?.servers.forEach((s) => s.resume());
  await set?.stop();
  set = undefined;
});

const STALL = 400;
const TIMEOUT = 200;

function stall(server: RedisSet['servers'][number]): Promise<number> {
  server.pause();
  return new Promise((resolve) =>
    setTimeout(() => {
      server.resume();
      resolve(performance.now());
    }, STALL),
  );
}

describe('a stalled server', () => {
  it('one server: twelve attempts that time out in a stall leave nothing behind, and no listener warning', async () => {
    set = await startRedisSet(1);
    const keyPrefix = prefix();
    const a = redlock(set.urls, { keyPrefix, commandTimeout: TIMEOUT });
    const b = redlock(set.urls, { keyPrefix, commandTimeout: TIMEOUT });
    await (await a.tryAcquire('warm', { ttl: 20_000 }))!.release(); // connected, scripts loaded
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const resumed = stall(set.servers[0]!);
      const names = Array.from({ length: 12 }, (_, i) => `job-${i % 6}`);
      const attempts = await Promise.allSettled(names.map((n) => a.tryAcquire(n, { ttl: 20_000 })));
      expect(attempts.every((r) => r.status === 'rejected')).toBe(true); // each timed out
      const end = await resumed;
      const [c] = raw(set.urls);
      await waitFor(async () => (await c!.keys(`${keyPrefix}*`)).length === 0, { timeout: 1_000, message: 'orphaned lock keys' });
      // Free for others, and for the caller, within a second of the stall's end.
      const other = await b.acquire('job-0', { ttl: 5_000, wait: 1_000 });
      const mine = await a.acquire('job-1', { ttl: 5_000, wait: 1_000 });
      expect(performance.now() - end).toBeLessThan(1_000);
      await Promise.all([other.release(), mine.release()]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('three servers, one stalled: a lock taken and released during the stall is gone everywhere soon after', async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const a = redlock(set.urls, { keyPrefix, commandTimeout: TIMEOUT });
    const b = redlock(set.urls.slice(2), { keyPrefix, commandTimeout: TIMEOUT });
    await (await a.tryAcquire('warm', { ttl: 20_000 }))!.release();
    const resumed = stall(set.servers[2]!);
    const lock = await a.acquire('orders', { ttl: 20_000 }); // the other two decide
    await lock.release();
    await resumed;
    const [, , c] = raw(set.urls);
    await waitFor(async () => (await c!.get(lockKey(keyPrefix, 'orders'))) === null, {
      timeout: 1_000,
      message: 'orphan on the stalled server',
    });
    // The stalled server's connection was kept: it answers at once.
    expect(await b.tryAcquire('orders', { ttl: 1_000 })).not.toBeNull();
  });
});
