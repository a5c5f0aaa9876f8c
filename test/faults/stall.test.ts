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

  it("a first connection stalled on two of three servers: the failed attempt's late yes is undone, not left for its ttl", async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const key = lockKey(keyPrefix, 'late');
    const admin = raw(set.urls);
    // A new Redlock: its connections reach the servers (the kernel accepts) but get no answer.
    set.servers[1]!.pause();
    set.servers[2]!.pause();
    const r = redlock(set.urls, { keyPrefix, commandTimeout: TIMEOUT, retryDelay: 50 });
    await expect(r.acquire('late', { ttl: 20_000, wait: 1 })).rejects.toThrow();
    set.servers[1]!.resume();
    set.servers[2]!.resume();
    // On 'ready' the attempt that waited for the connection goes out, then the undo after it
    // (the other way round, the key would stay for 20 s).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const c of admin) expect(await c.exists(key)).toBe(0);
  });

  it('a lock whose release is in flight sends no more covers: the key does not come back where the release found it gone', async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const key = lockKey(keyPrefix, 'covered');
    const admin = raw(set.urls);
    const r = redlock(set.urls, { keyPrefix, commandTimeout: 1_000 });
    await (await r.acquire('warm', { ttl: 1_000 })).release();
    // Another value on server 0 for 300 ms: the lock wins on 1 and 2, and its coverage keeps
    // trying 0 (a pause that doubles up to 100 ms).
    await admin[0]!.set(key, 'contender', 'PX', 300);
    const lock = await r.acquire('covered', { ttl: 20_000 });
    // ('pending' when the quorum decided before its answer: its late refusal starts the coverage.)
    expect(['held', 'pending']).toContain(lock.outcomes[0]!.status);
    // The release stays in flight for a second (1 and 2 stalled); server 0 answers it at once
    // (not this value's: a gone mark), and its contender's value lapses meanwhile. A cover sent
    // now would set the key on 0 again, after its release.
    set.servers[1]!.pause();
    set.servers[2]!.pause();
    const started = performance.now();
    await lock.release().catch(() => undefined); // (1 and 2 time out: no quorum to confirm it)
    expect(performance.now() - started).toBeGreaterThan(800);
    set.servers[1]!.resume();
    set.servers[2]!.resume();
    // The release is swept to 1 and 2 once they answer; nothing is left anywhere.
    await waitFor(async () => (await Promise.all(admin.map((c) => c.exists(key)))).every((e) => e === 0), { timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const c of admin) expect(await c.get(key)).toBeNull();
  });
});
