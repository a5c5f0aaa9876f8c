/** Fencing tokens: issued with the lock (one round trip on one instance), monotonic, per resource. */
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, fencedGet, fencedSet } from '../../src/index.js';
import { defer, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

describe.each([1, 3, 5] as const)('fencing tokens on %i instance(s)', (n) => {
  const urls = inject(n === 1 ? 'redis1' : n === 3 ? 'redis3' : 'redis5');

  it('every holder gets a token above every token handed out before', async () => {
    const a = redlock(urls, { fence: true });
    let last = 0n;
    for (let i = 0; i < 20; i++) {
      const lock = await a.acquire('account-1', { ttl: 5_000 });
      expect(typeof lock.fencingToken).toBe('bigint');
      expect(lock.fencingToken!).toBeGreaterThan(last);
      last = lock.fencingToken!;
      await lock.release();
    }
  });

  it('a token starts above the server clock in microseconds, so a restarted empty server cannot go back', async () => {
    const a = redlock(urls);
    const before = BigInt(Date.now() - 60_000) * 1000n;
    const lock = await a.acquire('clock', { ttl: 5_000, fence: true });
    expect(lock.fencingToken!).toBeGreaterThan(before);
  });

  it('fence() computes a token once for a lock taken without one, and caches it', async () => {
    const a = redlock(urls);
    const first = await a.acquire('later', { ttl: 5_000, fence: true });
    await first.release();
    const lock = await a.acquire('later', { ttl: 5_000 });
    expect(lock.fencingToken).toBeUndefined();
    const [t1, t2] = await Promise.all([lock.fence(), lock.fence()]);
    expect(t1).toBe(t2);
    expect(t1).toBeGreaterThan(first.fencingToken!);
    expect(lock.fencingToken).toBe(t1);
    expect(await lock.fence()).toBe(t1);
    await lock.release();
    await expect(lock.fence()).resolves.toBe(t1); // cached: still the token it had
    const unfenced = await a.acquire('later', { ttl: 5_000 });
    await unfenced.release();
    await expect(unfenced.fence()).rejects.toBeInstanceOf(LockLostError);
  });

  it('tokens of different resources are independent, and the counter shares the lock key hash slot', async () => {
    const a = redlock(urls, { fence: true });
    const clients = raw(urls);
    const gone = (resource: string): Promise<unknown> =>
      // Release settles at a quorum; wait until every instance applied it (and the token's phase 2 before it).
      waitFor(async () => (await Promise.all(clients.map((c) => c.exists(`${a.options.keyPrefix}{${resource}}`)))).every((x) => x === 0));
    const b = await a.acquire('res-b', { ttl: 5_000 });
    await b.release();
    await gone('res-b');
    const counters = (): Promise<(string | null)[]> => Promise.all(clients.map((c) => c.get(`${a.options.keyPrefix}{res-b}:fence`)));
    const before = await counters();
    expect(before.some((c) => c !== null && BigInt(c) === b.fencingToken)).toBe(true);
    for (let i = 0; i < 5; i++) await (await a.acquire('res-a', { ttl: 5_000 })).release();
    await gone('res-a');
    expect(await counters()).toEqual(before);
    // Same hash tag {res-a} in the lock key and its counter: one Cluster slot.
    const keys = await clients[0]!.keys(`${a.options.keyPrefix}*res-a*`);
    expect(keys.sort()).toEqual([`${a.options.keyPrefix}{res-a}:fence`]);
  });

  it('a multi-resource lock gets one token above the tokens of each of its resources', async () => {
    const a = redlock(urls, { fence: true });
    const x = await a.acquire('x', { ttl: 5_000 });
    await x.release();
    const y = await a.acquire('y', { ttl: 5_000 });
    await y.release();
    const both = await a.acquire(['x', 'y'], { ttl: 5_000 });
    expect(both.fencingToken!).toBeGreaterThan(x.fencingToken!);
    expect(both.fencingToken!).toBeGreaterThan(y.fencingToken!);
    await both.release();
    const x2 = await a.acquire('x', { ttl: 5_000 });
    expect(x2.fencingToken!).toBeGreaterThan(both.fencingToken!);
  });

  it('using() hands the routine its token', async () => {
    const a = redlock(urls);
    const token = await a.using('u', { ttl: 5_000, fence: true }, (lock) => lock.fencingToken);
    expect(typeof token).toBe('bigint');
  });
});

describe('fencedSet / fencedGet: the protected side in Redis', () => {
  const url = inject('redis1')[0]!;

  it('accepts a token at least the highest seen, and rejects a lower one', async () => {
    const client = new Redis(url);
    defer(() => client.disconnect());
    const key = `fenced:${Math.random()}`;
    expect(await fencedGet(client, key)).toBeNull();
    expect(await fencedSet(client, key, 'v10', 10n)).toEqual({ accepted: true, highest: 10n });
    expect(await fencedSet(client, key, 'v10b', 10n)).toEqual({ accepted: true, highest: 10n }); // same holder again
    expect(await fencedSet(client, key, 'v9', 9n)).toEqual({ accepted: false, highest: 10n });
    expect(await fencedGet(client, key)).toEqual({ value: 'v10b', token: 10n });
    // Exact at any size: no floating point in the comparison.
    const big = 2n ** 70n;
    expect((await fencedSet(client, key, 'big', big)).accepted).toBe(true);
    expect((await fencedSet(client, key, 'big-1', big - 1n)).accepted).toBe(false);
    expect(await fencedGet(client, key)).toEqual({ value: 'big', token: big });
  });

  it('rejects bad arguments before writing', async () => {
    const client = new Redis(url);
    defer(() => client.disconnect());
    await expect(fencedSet(client, 'k', 'v', 5 as never)).rejects.toThrow(/`token`/);
    await expect(fencedSet(client, 'k', 'v', -1n)).rejects.toThrow(/`token`/);
    await expect(fencedSet(client, '', 'v', 1n)).rejects.toThrow(/`key`/);
    await expect(fencedSet(client, 'k', 'v', 1n, { ttl: -5 })).rejects.toThrow(/options\.ttl/);
    expect(await client.exists('k')).toBe(0);
  });
});
