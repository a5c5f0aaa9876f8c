/**
 * Full coverage: a lock holds every server it can reach, not a bare majority. A contender's
 * partial vote on the third server is covered as soon as it goes, and each extension re-takes
 * a server that lost the key — so one server losing its data cannot hand anyone a majority.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LockLostError, QuorumError, lockKey, releaseChannel } from '../../src/index.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
afterEach(async () => {
  await set?.stop();
  set = undefined;
});

async function three(): Promise<{ urls: string[]; keyPrefix: string; servers: ReturnType<typeof raw> }> {
  set = await startRedisSet(3);
  return { urls: set.urls, keyPrefix: prefix(), servers: raw(set.urls) };
}

describe('full coverage on 3 servers', () => {
  it('a win on a bare majority takes the third server once the contender lets go; a flush of one server then gives nobody a majority', async () => {
    const { urls, keyPrefix, servers } = await three();
    const [s0, , s2] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const key = lockKey(keyPrefix, 'orders');
    await s2.set(key, 'a-contender-vote', 'PX', 5_000); // a partial vote, about to be undone
    const lock = await a.acquire('orders', { ttl: 10_000 });
    expect(await s2.get(key)).toBe('a-contender-vote');
    await s2.del(key); // the contender undoes its vote
    await waitFor(async () => (await s2.get(key)) === lock.value, { timeout: 2_000, message: 'the third server was never covered' });
    expect(await s2.pttl(key)).toBeGreaterThan(8_000);

    await s0.flushall(); // one server loses everything
    expect(await b.tryAcquire('orders', { ttl: 10_000 })).toBeNull();
    expect(lock.isHeld).toBe(true);
  });

  it('a failed attempt hands its partial vote to the holder a quorum reported, never freeing that server', async () => {
    const { urls, keyPrefix, servers } = await three();
    const key = lockKey(keyPrefix, 'orders');
    // The holder has a bare majority; the third server is free.
    await Promise.all(servers.slice(0, 2).map((c) => c.set(key, 'the-holder', 'PX', 10_000)));
    const contender = redlock(urls, { keyPrefix });
    expect(await contender.tryAcquire('orders', { ttl: 5_000 })).toBeNull();
    // Its vote on the third server went to the holder, with no longer a ttl than the holder's.
    await waitFor(async () => (await servers[2]!.get(key)) === 'the-holder', { timeout: 2_000 });
    expect(await servers[2]!.pttl(key)).toBeLessThanOrEqual(10_000);
    // So one of the holder's servers losing its data gives nobody a majority.
    await servers[0]!.flushall();
    expect(await redlock(urls, { keyPrefix }).tryAcquire('orders', { ttl: 5_000 })).toBeNull();
  });

  it('a vote taken where the holder had just released is freed, not handed to the gone holder (no key nobody holds)', async () => {
    const { urls, keyPrefix, servers } = await three();
    const key = lockKey(keyPrefix, 'orders');
    const holder = redlock(urls, { keyPrefix });
    const lock = await holder.acquire('orders', { ttl: 10_000 });
    await waitFor(async () => (await Promise.all(servers.map((s) => s.get(key)))).every((v) => v === lock.value));
    // A waiting process (subscribed to the release on every server)...
    const subs = raw(urls);
    await Promise.all(subs.map((s) => s.subscribe(releaseChannel(keyPrefix, 'orders'))));
    // ...and a contender whose commands reach the third server 300 ms late.
    const proxy = await startProxy({ port: Number(new URL(urls[2]!).port) });
    const contender = redlock([urls[0]!, urls[1]!, proxy.url], { keyPrefix, commandTimeout: 3_000 });
    expect(await contender.tryAcquire('warm-up', { ttl: 1_000 })).not.toBeNull();
    proxy.setLatency(300);
    // Its attempt: two servers answer "held" at once (the attempt is lost, and the holder known)...
    const attempt = contender.tryAcquire('orders', { ttl: 5_000 });
    expect(await attempt).toBeNull();
    // ...the holder releases, everywhere, before the attempt's vote reaches the third server...
    await lock.release();
    expect(await servers[2]!.get(key)).toBeNull();
    // ...which then takes it (the server is free), and the late yes is undone.
    const seen = await waitFor(async () => servers[2]!.get(key), { timeout: 3_000, message: 'the late vote never came' });
    expect(seen).not.toBe(lock.value);
    const after = await waitFor(async () => ((await servers[2]!.get(key)) === seen ? undefined : { v: await servers[2]!.get(key) }), {
      timeout: 3_000,
      message: 'the late vote was never undone',
    });
    expect(after.v).toBeNull(); // freed: the key of a holder that is gone would block this server for 10 s
    await proxy.close();
  });

  it('a server that answered after the decision (paused) holds the lock too: its late yes is kept', async () => {
    const { urls, keyPrefix, servers } = await three();
    const a = redlock(urls, { keyPrefix, commandTimeout: 300 });
    const key = lockKey(keyPrefix, 'orders');
    set!.servers[2]!.pause();
    const lock = await a.acquire('orders', { ttl: 10_000 });
    set!.servers[2]!.resume();
    await waitFor(async () => (await servers[2]!.get(key)) === lock.value, { timeout: 3_000 });
  });

  it('an extension re-takes a server that lost the key, never over another value, and the re-take is no vote', async () => {
    const { urls, keyPrefix, servers } = await three();
    const [s0, s1, s2] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const a = redlock(urls, { keyPrefix });
    const key = lockKey(keyPrefix, 'orders');
    const lock = await a.acquire('orders', { ttl: 10_000 });
    await waitFor(async () => (await s2.get(key)) === lock.value);

    await s0.flushall();
    await lock.extend();
    // re-taken (the extension returns at a quorum: s0's answer may come a moment after)
    await waitFor(async () => (await s0.get(key)) === lock.value, { timeout: 2_000 });
    expect(await s0.pttl(key)).toBeGreaterThan(9_000);

    await s1.set(key, 'someone-else', 'PX', 60_000); // (as if s1 lost it and another took it there)
    await lock.extend();
    expect(await s1.get(key)).toBe('someone-else'); // never written over
    // ...and covered once the other value goes
    await s1.del(key);
    await waitFor(async () => (await s1.get(key)) === lock.value, { timeout: 2_000 });

    // Two servers lose it: re-taking them is no majority. The lock is lost, and freed everywhere.
    await s0.flushall();
    await s1.flushall();
    await expect(lock.extend()).rejects.toBeInstanceOf(LockLostError);
    expect(lock.isHeld).toBe(false);
    await waitFor(async () => (await Promise.all(servers.map((s) => s.get(key)))).every((v) => v === null), { timeout: 2_000 });
  });

  it('an extension that reaches no quorum takes back what it re-took, so a later one cannot count it as a vote', async () => {
    const { urls, keyPrefix, servers } = await three();
    const [s0, , s2] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const a = redlock(urls, { keyPrefix, commandTimeout: 300 });
    const key = lockKey(keyPrefix, 'orders');
    const lock = await a.acquire('orders', { ttl: 10_000 });
    await waitFor(async () => (await s2.get(key)) === lock.value);
    await s0.flushall(); // server 0 loses the key...
    set!.servers[1]!.pause(); // ...and server 1 does not answer
    try {
      // Server 0 re-takes (not a vote), 1 times out, 2 extends: no quorum.
      await expect(lock.extend()).rejects.toBeInstanceOf(QuorumError);
      await waitFor(async () => (await s0.get(key)) === null, { timeout: 2_000, message: 'the re-take was kept' });
    } finally {
      set!.servers[1]!.resume();
    }
  });

  it('a server in restartQuarantine re-takes nothing: an extension does not give it a vote', async () => {
    const { urls, keyPrefix, servers } = await three();
    const [s0, , s2] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const a = redlock(urls, { keyPrefix, restartQuarantine: 20_000 });
    await a.markFresh(); // new servers: no need to wait the quarantine out
    const key = lockKey(keyPrefix, 'orders');
    const lock = await a.acquire('orders', { ttl: 10_000 });
    await waitFor(async () => (await s2.get(key)) === lock.value);
    await s0.flushall(); // server 0 loses its data, its marker with it: in quarantine now
    await lock.extend(); // servers 1 and 2 extend: a quorum
    expect(lock.isHeld).toBe(true);
    expect(await s0.get(key)).toBeNull(); // not re-taken there
    await lock.extend();
    expect(await s0.get(key)).toBeNull();
    await lock.release();
  });

  it('renewals of an auto-extended lock keep one server that keeps losing the key from handing out the lock', async () => {
    const { urls, keyPrefix, servers } = await three();
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const key = lockKey(keyPrefix, 'orders');
    const lock = await a.acquire('orders', { ttl: 600, autoExtend: true });
    for (let i = 0; i < 4; i++) {
      await servers[i % 3]!.flushall();
      // The next renewal (every 200 ms) puts it back.
      await waitFor(async () => (await servers[i % 3]!.get(key)) === lock.value, { timeout: 1_000 });
      expect(await b.tryAcquire('orders', { ttl: 600 })).toBeNull();
    }
    expect(lock.isHeld).toBe(true);
    await lock.release();
  });

  it('an election leader covers the servers too', async () => {
    const { urls, keyPrefix, servers } = await three();
    const a = redlock(urls, { keyPrefix, commandTimeout: 200 });
    const election = a.election('primary', { ttl: 900 });
    election.start();
    await waitFor(() => election.isLeader, { timeout: 3_000 });
    const keys = (await servers[0]!.keys(`${keyPrefix}*`)).filter((k) => k.endsWith('}'));
    expect(keys).toHaveLength(1);
    const value = await servers[0]!.get(keys[0]!);
    await servers[2]!.flushall();
    // Its next renewal (every ttl/3) re-takes the key there.
    await waitFor(async () => (await servers[2]!.get(keys[0]!)) === value, { timeout: 1_500 });
    expect(election.isLeader).toBe(true);
    await election.stop();
  });
});
