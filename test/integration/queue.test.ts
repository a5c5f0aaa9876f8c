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
    // What every process listening on the release channel would hear of the hand-off: nothing
    // (it goes to the hand-off channel of w1's Redlock alone).
    const [eavesdropper] = raw([set.urls[0]!]);
    const overheard: string[] = [];
    eavesdropper!.on('message', (_channel: string, m: string) => overheard.push(m));
    await eavesdropper!.subscribe(releaseChannel(keyPrefix, 'q'));
    await held.release();
    const first = await waiting[0]!;
    expect(first.owner).toBe('w1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(overheard).toEqual([]);
    await eavesdropper!.unsubscribe();
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

describe('a lock handed over by a release (taken without an attempt, then confirmed)', () => {
  /** A holder, and a waiter (its own "process") in line and listening behind it. */
  async function inLineBehind(urls: readonly string[], waiterUrls: readonly string[], resource: string, holderTtl = 30_000) {
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const holder = redlock(set.urls, { keyPrefix });
    const waiter = redlock(waiterUrls, { keyPrefix, owner: 'waiter', commandTimeout: 2_000 });
    const held = (await holder.tryAcquire(resource, { ttl: holderTtl }))!;
    const waiting = waiter.acquire(resource, { ttl: 5_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0 });
    waiting.catch(() => undefined); // (see the first test)
    await waitFor(async () => (await inLine(servers, keyPrefix, resource)).every((n) => n === 1), { interval: 2 });
    await waitFor(async () => (await listeners(servers, keyPrefix, resource)).every((n) => n === 1), { interval: 2 });
    return { servers, keyPrefix, held, waiting, waiter };
  }

  it('holds at once on the claim, then its confirmation makes every key its own for its ttl', async () => {
    const { servers, keyPrefix, held, waiting } = await inLineBehind(set.urls, set.urls, 'h');
    await held.release();
    const lock = await waiting;
    // Held on the release's word (a quorum of its messages): valid for the claim's life, which
    // counts from the waiter's first attempt in line — no attempt was made for it yet.
    expect(lock.isHeld).toBe(true);
    expect(lock.remaining()).toBeLessThanOrEqual(500);
    expect(lock.outcomes.filter((o) => o.status === 'acquired').length).toBeGreaterThanOrEqual(2);
    // The confirmation, a round trip later: its own value everywhere, for its 5 s ttl.
    await waitFor(() => lock.remaining() > 4_000, { interval: 2 });
    const key = lockKey(keyPrefix, 'h');
    await waitFor(async () => (await Promise.all(servers.map((s) => s.get(key)))).every((v) => v === lock.value));
    for (const s of servers) expect(await s.pttl(key)).toBeGreaterThan(4_000);
    expect(lock.extensions).toBe(0);
    expect(await lock.release()).toBe(true);
    // Its release took its claim out of every line (it returns at a quorum: the last server's
    // may come a moment later).
    await waitFor(async () => (await inLine(servers, keyPrefix, 'h')).every((n) => n === 0));
  });

  it('a claim the release gave too short a life for the wait so far is confirmed before the lock is held', async () => {
    // The claim lasts min(500 ms, the releasing lock's ttl): 150 ms here, of which the wait
    // took more than 100 ms before the release — too little left to take it unconfirmed.
    const { held, waiting } = await inLineBehind(set.urls, set.urls, 's', 150);
    await new Promise((resolve) => setTimeout(resolve, 110));
    await held.release();
    const lock = await waiting;
    expect(lock.remaining()).toBeGreaterThan(4_000); // (taken by an attempt: its own ttl at once)
    await lock.release();
  });

  it('a confirmation refused by a quorum (another value took the keys) reports the lock lost', async () => {
    const made: TcpProxy[] = [];
    try {
      const proxied = await proxiesFor(set.urls, made);
      const { servers, keyPrefix, held, waiting } = await inLineBehind(set.urls, proxied, 'r');
      for (const p of made) p.setLatency(30); // its messages, and its confirmation, come late
      await held.release();
      // Meanwhile a foreign writer puts its own value in the keys (the test plays it).
      const key = lockKey(keyPrefix, 'r');
      await Promise.all(servers.map((s) => s.set(key, 'intruder', 'PX', 10_000)));
      const lock = await waiting;
      expect(lock.isHeld).toBe(true); // (on the release's word, for now)
      const lost = await new Promise<Error>((resolve) => lock.once('lost', resolve));
      expect(lost.name).toBe('LockLostError');
      expect(lock.isHeld).toBe(false);
      expect(lock.signal.aborted).toBe(true);
      // Nothing of the intruder's was touched, and the waiter left every line.
      expect(await Promise.all(servers.map((s) => s.get(key)))).toEqual(['intruder', 'intruder', 'intruder']);
      await waitFor(async () => (await inLine(servers, keyPrefix, 'r')).every((n) => n === 0));
    } finally {
      for (const p of made) await p.close();
    }
  });

  it('a waiter that tried again while in line takes its hand-off by an attempt (a later attempt may have taken the claim)', async () => {
    // Its attempts after the first carry the claim too: one that reached a server after the
    // release there took the key from the claim — and gave it up again when it lost — so the
    // release's word alone no longer says what the key holds.
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const holder = redlock(set.urls, { keyPrefix });
    const waiter = redlock(set.urls, { keyPrefix, owner: 'waiter' });
    const held = (await holder.tryAcquire('t', { ttl: 30_000 }))!;
    const attempts: number[] = [];
    waiter.on('contended', (e: { attempt: number }) => attempts.push(e.attempt));
    const waiting = waiter.acquire('t', { ttl: 5_000, wait: 30_000, retryDelay: 30, retryJitter: 0 });
    waiting.catch(() => undefined);
    await waitFor(async () => (await listeners(servers, keyPrefix, 't')).every((n) => n === 1), { interval: 2 });
    await new Promise((resolve) => setTimeout(resolve, 150)); // (a few more attempts, each refused)
    await held.release();
    const lock = await waiting;
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(3);
    expect(lock.remaining()).toBeGreaterThan(4_000);
    await lock.release();
  });

  it('its confirmation reaches the servers before the new holder runs: a loop blocked at once keeps the lock', async () => {
    const { servers, keyPrefix, held, waiting } = await inLineBehind(set.urls, set.urls, 'b');
    await held.release();
    const lock = await waiting;
    const lost: Error[] = [];
    lock.on('lost', (e: Error) => lost.push(e));
    expect(lock.remaining()).toBeLessThanOrEqual(500); // (as handed over)
    const until = performance.now() + 700; // longer than the claim's life
    while (performance.now() < until); // (blocks the event loop: no answer is read meanwhile)
    // Not taken for lost: its signal, read now, waits for the confirmation's answer (its
    // validity on the claim alone has run out; the answer has not been read yet).
    expect(lock.remaining()).toBe(0);
    expect(lock.signal.aborted).toBe(false);
    // Its own value is on every server for its ttl: sent before this code ran.
    const key = lockKey(keyPrefix, 'b');
    for (const s of servers) {
      expect(await s.get(key)).toBe(lock.value);
      expect(await s.pttl(key)).toBeGreaterThan(3_000);
    }
    await waitFor(() => lock.remaining() > 3_000, { interval: 2 });
    expect(lost).toEqual([]);
    expect(await lock.release()).toBe(true);
  });

  it('an extend right after the hand-off sets the validity, whatever the confirmation answers after it', async () => {
    const made: TcpProxy[] = [];
    try {
      // (Behind a delay, the two answers come back together: the extend's could be read first.)
      const { servers, keyPrefix, held, waiting } = await inLineBehind(set.urls, await proxiesFor(set.urls, made), 'e');
      for (const p of made) p.setLatency(20);
      await held.release();
      const lock = await waiting;
      await lock.extend(300);
      expect(lock.remaining()).toBeLessThanOrEqual(300);
      const key = lockKey(keyPrefix, 'e');
      // (It returns at a quorum: the last server's extend may come a moment later.)
      await waitFor(async () => (await Promise.all(servers.map((s) => s.pttl(key)))).every((t) => t <= 300));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lock.remaining()).toBeLessThanOrEqual(300); // (not raised back to the 5 s ttl)
      await waitFor(() => !lock.isHeld, { timeout: 1_000 });
    } finally {
      for (const p of made) await p.close();
    }
  });

  it('a Redlock that heard a release before still takes its next hand-off as handed', async () => {
    // Its subscription lingers after the first turn, with a release heard on it: a later wait
    // must not take that for a release during its attempt (and try again, out of the line's
    // one-attempt rule).
    const { servers, keyPrefix, held, waiting, waiter } = await inLineBehind(set.urls, set.urls, 'l');
    const holder = redlock(set.urls, { keyPrefix });
    await held.release();
    await (await waiting).release(); // (nobody in line, the waiter's Redlock still listening: a plain message)
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = (await holder.tryAcquire('l', { ttl: 30_000 }))!;
    const second = waiter.acquire('l', { ttl: 5_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0 });
    second.catch(() => undefined);
    await waitFor(async () => (await inLine(servers, keyPrefix, 'l')).every((n) => n === 1), { interval: 2 });
    await again.release();
    const lock = await second;
    expect(lock.remaining()).toBeLessThanOrEqual(500); // (taken as handed over)
    await lock.release();
  });

  it('with a fencing token, the waiter still takes the lock by an attempt (the token comes from it)', async () => {
    const servers = raw(set.urls);
    const keyPrefix = prefix();
    const holder = redlock(set.urls, { keyPrefix });
    const waiter = redlock(set.urls, { keyPrefix, owner: 'waiter' });
    const held = await holder.acquire('f', { ttl: 30_000, fence: true });
    const waiting = waiter.acquire('f', { ttl: 5_000, wait: 30_000, retryDelay: 20_000, retryJitter: 0, fence: true });
    waiting.catch(() => undefined);
    await waitFor(async () => (await listeners(servers, keyPrefix, 'f')).every((n) => n === 1), { interval: 2 });
    await held.release();
    const lock = await waiting;
    expect(lock.remaining()).toBeGreaterThan(4_000);
    expect(lock.fencingToken).toBeGreaterThan(held.fencingToken!);
    await lock.release();
  });
});
