/**
 * The waiting line across processes (lib/queue.lua, release-one.lua, core/wakeup.ts): each
 * Redlock here stands for a process (its own connections and wake-ups). A release hands the
 * lock to the first waiter in line and wakes that one only; a waiter that died is passed
 * over; one that never comes for its hand-off delays the next by the claim's life at most;
 * lines that disagree across servers converge on the waiter with a majority.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { lockKey, releaseChannel, type Lock, type Redlock } from '../../src/index.js';
import { queueKeys } from '../../src/keys.js';
import { ownerOf } from '../../src/lock/acquire.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { scriptCalls } from '../helpers/stats.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet;
beforeAll(async () => {
  set = await startRedisSet(3);
});
afterAll(async () => {
  await set.stop();
});

/** How many claims wait in the line of `resource` on each server. */
async function inLine(servers: readonly Redis[], keyPrefix: string, resource: string): Promise<number[]> {
  const [queue] = queueKeys(keyPrefix, resource);
  return Promise.all(servers.map((s) => s.zcard(queue)));
}

/** How many listen on the release channel of `resource` on each server. */
async function listeners(servers: readonly Redis[], keyPrefix: string, resource: string): Promise<number[]> {
  const channel = releaseChannel(keyPrefix, resource);
  return Promise.all(servers.map(async (s) => Number(((await s.pubsub('NUMSUB', channel)) as [string, number])[1])));
}

/** Settles to 'pending' if the promise has not settled within `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

async function proxiesFor(urls: readonly string[], made: TcpProxy[]): Promise<string[]> {
  return Promise.all(
    urls.map(async (u) => {
      const p = await startProxy({ port: Number(new URL(u).port) });
      made.push(p);
      return p.url;
    }),
  );
}

describe('the waiting line, across processes', () => {
  it('a release wakes one waiter, the first in line, and the lock goes round in the order they came', async () => {
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const holder = redlock(set.urls, { keyPrefix });
    // Each waiter is its own "process"; only a wake-up makes them try (a 20 s retry delay).
    const waiters = [1, 2, 3].map((i) => redlock(set.urls, { keyPrefix, owner: `w${i}` }));
    const held = (await holder.tryAcquire('q', { ttl: 30_000 }))!;
    const waiting: Array<Promise<Lock>> = [];
    for (const [i, w] of waiters.entries()) {
      const p = w.acquire('q', { ttl: 30_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0 });
      p.catch(() => undefined); // (a failed assertion must not leave it to reject unhandled at close)
      waiting.push(p);
      await waitFor(async () => (await inLine(servers, keyPrefix, 'q')).every((n) => n === i + 1));
      await waitFor(async () => (await listeners(servers, keyPrefix, 'q')).every((n) => n === i + 1));
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // (every waiter is asleep now)
    await Promise.all(servers.map((s) => s.config('RESETSTAT')));
    await held.release();
    const first = await waiting[0]!;
    expect(first.owner).toBe('w1');
    expect(await within(Promise.race([waiting[1]!, waiting[2]!]), 200)).toBe('pending');
    // The hand-off cost the release and one attempt, one script call each per server: the
    // other two waiters did not try (one wake-up per process would be three attempts).
    const calls = await Promise.all(servers.map((s) => scriptCalls(s)));
    expect(calls).toEqual([2, 2, 2]);

    await first.release();
    const second = await waiting[1]!;
    expect(second.owner).toBe('w2');
    expect(await within(waiting[2]!, 100)).toBe('pending');
    await second.release();
    expect((await waiting[2]!).owner).toBe('w3');
  });

  it('a waiter that died is passed over: its entry lapses, and the release goes to the next', async () => {
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const made: TcpProxy[] = [];
    try {
      const holder = redlock(set.urls, { keyPrefix });
      const dead = redlock(await proxiesFor(set.urls, made), { keyPrefix, owner: 'dead', commandTimeout: 300 });
      const live = redlock(set.urls, { keyPrefix, owner: 'live' });
      const held = (await holder.tryAcquire('d', { ttl: 30_000 }))!;
      // The dead waiter's entry lasts retryDelay + 1 s after its last attempt.
      void dead.acquire('d', { ttl: 5_000, wait: 30_000, retryDelay: 100, retryJitter: 0 }).catch(() => undefined);
      await waitFor(async () => (await inLine(servers, keyPrefix, 'd')).every((n) => n === 1));
      await waitFor(async () => (await listeners(servers, keyPrefix, 'd')).every((n) => n === 1));
      for (const p of made) p.blackhole(true); // it stops: no more attempts, nothing heard
      const waiting = live.acquire('d', { ttl: 5_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0 });
      waiting.catch(() => undefined); // (see the first test)
      await waitFor(async () => (await inLine(servers, keyPrefix, 'd')).every((n) => n === 2));
      await waitFor(async () => (await listeners(servers, keyPrefix, 'd')).every((n) => n === 2));
      await new Promise((resolve) => setTimeout(resolve, 1_400)); // past the dead one's entry
      const start = performance.now();
      await held.release();
      const lock = await waiting;
      expect(lock.owner).toBe('live');
      expect(performance.now() - start).toBeLessThan(5_000); // woken by its hand-off, not after 20 s
      const [queue] = queueKeys(keyPrefix, 'd');
      const lines = await Promise.all(servers.map((s) => s.zrange(queue, 0, -1)));
      expect(lines.flat().map(ownerOf)).not.toContain('dead'); // the dead one is out of line everywhere
    } finally {
      for (const p of made) await p.close();
    }
  });

  it('a waiter that never comes for its hand-off holds the lock up for the claim only (≤ 500 ms)', async () => {
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const made: TcpProxy[] = [];
    try {
      const holder = redlock(set.urls, { keyPrefix });
      const stuck = redlock(await proxiesFor(set.urls, made), { keyPrefix, owner: 'stuck', commandTimeout: 300 });
      const next = redlock(set.urls, { keyPrefix, owner: 'next' });
      const held = (await holder.tryAcquire('n', { ttl: 30_000 }))!;
      void stuck.acquire('n', { ttl: 5_000, wait: 30_000, retryDelay: 5_000, retryJitter: 0 }).catch(() => undefined);
      await waitFor(async () => (await inLine(servers, keyPrefix, 'n')).every((n) => n === 1));
      const waiting = next.acquire('n', { ttl: 5_000, wait: 30_000, retryDelay: 150, retryJitter: 0 });
      waiting.catch(() => undefined); // (see the first test)
      await waitFor(async () => (await inLine(servers, keyPrefix, 'n')).every((n) => n === 2));
      await waitFor(async () => (await listeners(servers, keyPrefix, 'n')).every((n) => n === 2));
      for (const p of made) p.blackhole(true); // it hears its hand-off nowhere, and cannot confirm it
      const start = performance.now();
      await held.release();
      // The lock is the stuck waiter's claim now, on every server, for a moment (the release
      // returns at a quorum: the third server's may come a moment later).
      const key = lockKey(keyPrefix, 'n');
      const owners = async (): Promise<string> => (await Promise.all(servers.map((s) => s.get(key)))).map((v) => ownerOf(v ?? '')).join();
      await waitFor(async () => (await owners()) === 'stuck,stuck,stuck', { timeout: 400, interval: 2 });
      const lock = await waiting;
      expect(lock.owner).toBe('next');
      const waited = performance.now() - start;
      expect(waited).toBeGreaterThanOrEqual(400); // it did wait for the claim to lapse...
      expect(waited).toBeLessThan(2_500); // ...and no longer than the claim and one retry
    } finally {
      for (const p of made) await p.close();
    }
  });

  it('lines that disagree across servers converge: the waiter with a majority keeps it, the other passes its vote on', async () => {
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const made: TcpProxy[] = [];
    try {
      const holder = redlock(set.urls, { keyPrefix });
      // w1 reaches server C through a proxy that drops everything: C never hears of it.
      const [, , cProxy] = await proxiesFor([set.urls[2]!], made).then((u) => [set.urls[0]!, set.urls[1]!, u[0]!]);
      made[0]!.blackhole(true);
      const w1: Redlock = redlock([set.urls[0]!, set.urls[1]!, cProxy!], { keyPrefix, owner: 'w1', commandTimeout: 300 });
      const w2 = redlock(set.urls, { keyPrefix, owner: 'w2' });
      const held = (await holder.tryAcquire('x', { ttl: 30_000 }))!;
      const first = w1.acquire('x', { ttl: 10_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0 });
      first.catch(() => undefined); // (see the first test)
      await waitFor(async () => (await inLine(servers, keyPrefix, 'x')).join() === '1,1,0');
      const second = w2.acquire('x', { ttl: 10_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0 });
      second.catch(() => undefined); // (see the first test)
      await waitFor(async () => (await inLine(servers, keyPrefix, 'x')).join() === '2,2,1');
      await waitFor(async () => (await listeners(servers, keyPrefix, 'x')).join() === '2,2,1');
      // A and B hand the lock to w1 (first in their lines), C to w2 (first in its line).
      await held.release();
      const lock = await first;
      expect(lock.owner).toBe('w1');
      // w2 tried on C's word alone, lost, and handed its vote on C to w1: C keeps out everyone
      // but w1 (a freed C would leave w1 on a bare majority).
      const key = lockKey(keyPrefix, 'x');
      await waitFor(async () => ownerOf((await servers[2]!.get(key)) ?? '') === 'w1', { timeout: 3_000 });
      expect(await within(second, 300)).toBe('pending');
      await lock.release();
      expect((await second).owner).toBe('w2');
    } finally {
      for (const p of made) await p.close();
    }
  });
});
