/**
 * The contract in the cases a user hits (issue 11): a lock lost between renewals is
 * reported by every routine-shaped API, close() races, a failed release can be retried,
 * key names that would collide or split, and the smaller truths of Lock and Schedule.
 */
import type { Redis } from 'ioredis';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject, describe, expect, it } from 'vitest';
import { ClosedError, LockLostError, QuorumError, Redlock, lockKey } from '../../src/index.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { defer, prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';
import { distEntry } from '../helpers/build.js';

const execFileAsync = promisify(execFile);

/** Takes the lock from under its holder, as `tenure release --force` or a failover would. */
async function steal(urls: readonly string[], keyPrefix: string, resource: string): Promise<void> {
  await Promise.all(raw(urls).map((c) => c.set(lockKey(keyPrefix, resource), 'another-holder', 'PX', 60_000)));
}

/** Waits until every server holds `value` at `key` (an acquisition returns at a quorum: the last server's SET may come after). */
function onEvery(servers: readonly Redis[], key: string, value: string): Promise<unknown> {
  return waitFor(async () => (await Promise.all(servers.map((c) => c.get(key)))).every((v) => v === value));
}

/** SIGSTOPs the servers at `indices` now, and SIGCONTs them after `ms`. */
function stallFor(set: RedisSet, indices: readonly number[], ms: number): void {
  for (const i of indices) set.servers[i]!.pause();
  setTimeout(() => {
    for (const i of indices) set.servers[i]!.resume();
  }, ms);
}

/**
 * Fresh servers for a test that stalls some (SIGSTOP): a prefix, the key of `resource`, a
 * raw client per server, and a Redlock with a 200 ms commandTimeout (its release waits 1 s).
 */
async function stallRig(resource: string, n = 3) {
  const set = await startRedisSet(n);
  defer(() => set.stop());
  const keyPrefix = prefix();
  const r = new Redlock(set.urls, { keyPrefix, commandTimeout: 200 });
  defer(() => r.close());
  return { set, keyPrefix, key: lockKey(keyPrefix, resource), servers: raw(set.urls), r };
}

describe('a lock lost between renewals', () => {
  for (const n of [1, 3] as const) {
    it(`N=${n}: using() rejects with LockLostError when the final release finds the lock gone`, async () => {
      const urls = inject(n === 1 ? 'redis1' : 'redis3');
      const keyPrefix = prefix();
      const r = redlock(urls, { keyPrefix });
      const done = r.using('report', { ttl: 30_000 }, async (lock) => {
        await steal(urls, keyPrefix, 'report'); // right after a renewal: the next is 10 s away
        expect(lock.isHeld).toBe(true); // it cannot know yet
        return 'finished';
      });
      const error = await done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockLostError);
      expect((error as Error).message).toMatch(/no longer held it when it was released/);
    });
  }

  it('a routine that threw and lost the lock: LockLostError, with the routine error as its cause', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    const boom = new Error('boom');
    const error = await r
      .using('report', { ttl: 30_000 }, async () => {
        await steal(urls, keyPrefix, 'report');
        throw boom;
      })
      .catch((e: unknown) => e as LockLostError);
    expect(error).toBeInstanceOf(LockLostError);
    expect(error.cause).toBe(boom);
    expect(error.message).toMatch(/the routine also threw: boom/);
    // A routine that threw with its lock kept: its own error, untouched.
    await expect(r.using('other', { ttl: 30_000 }, () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('once(): a run whose lock was taken before the end is not recorded; the next caller runs it', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    await expect(r.once('migrate', () => steal(urls, keyPrefix, 'once:migrate'))).rejects.toBeInstanceOf(LockLostError);
    await Promise.all(raw(urls).map((c) => c.del(lockKey(keyPrefix, 'once:migrate'))));
    await expect(r.once('migrate', () => 'second')).resolves.toEqual({ ran: true, value: 'second' });
    await expect(r.once('migrate', () => 'third')).resolves.toEqual({ ran: false });
  });

  it('semaphore.using() and schedule runs report the loss too', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    const sem = r.semaphore('pool', { permits: 1, ttl: 30_000 });
    await expect(sem.using(undefined, (permit) => steal(urls, keyPrefix, permit.resources[0]!))).rejects.toBeInstanceOf(LockLostError);

    const events: { error?: unknown }[] = [];
    const schedule = r.schedule('tick', { every: 60_000, ttl: 30_000 }, () => steal(urls, keyPrefix, 'schedule:tick'));
    schedule.on('run', (e) => events.push(e));
    await waitFor(() => events.length > 0);
    await schedule.stop();
    expect(events[0]!.error).toBeInstanceOf(LockLostError);
  });
});

describe('close() races', () => {
  it('an acquisition in flight hands out no lock, a waiting one rejects at once with ClosedError, and nothing stays behind', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const proxies = await Promise.all(set.servers.map((s) => startProxy({ port: s.port })));
    defer(() => Promise.all(proxies.map((p) => p.close())));
    const keyPrefix = prefix();
    const holder = redlock(set.urls, { keyPrefix });
    const held = await holder.acquire('busy', { ttl: 30_000 });
    const r = new Redlock(
      proxies.map((p) => p.url),
      { keyPrefix },
    );
    await (await r.tryAcquire('warm', { ttl: 5_000 }))!.release();
    proxies.forEach((p) => p.setLatency(150)); // an attempt is in flight when close() comes
    const inFlight = r.acquire('free', { ttl: 30_000 });
    const waiting = r.acquire('busy', { ttl: 30_000, wait: 15_000 });
    const waitingOnce = r.once('busy-job', () => 'ran', { wait: 15_000 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const closed = r.close();
    await expect(inFlight).rejects.toBeInstanceOf(ClosedError);
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_TENURE_CLOSED' });
    await closed;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await waitingOnce).toBeInstanceOf(ClosedError);
    await held.release();
    const servers = raw(set.urls);
    expect(await Promise.all(servers.map((c) => c.get(lockKey(keyPrefix, 'free'))))).toEqual([null, null, null]);
  });
});

describe('a failed release can be retried', () => {
  it('release() after a QuorumError tries again, and close() releases what is still held', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const proxies = await Promise.all(set.servers.map((s) => startProxy({ port: s.port })));
    defer(() => Promise.all(proxies.map((p) => p.close())));
    const keyPrefix = prefix();
    const r = new Redlock(
      proxies.map((p) => p.url),
      { keyPrefix, commandTimeout: 200 },
    );
    const lock = await r.acquire('orders', { ttl: 20_000 });
    proxies[0]!.blackhole(true);
    proxies[1]!.blackhole(true);
    await expect(lock.release()).rejects.toBeInstanceOf(QuorumError);
    proxies[0]!.blackhole(false);
    proxies[1]!.blackhole(false);
    const again = await waitFor(() => lock.release().catch(() => undefined), { timeout: 5_000, interval: 100 });
    expect(again).toBe(true);
    const servers = raw(set.urls);
    await waitFor(async () => (await Promise.all(servers.map((c) => c.get(lockKey(keyPrefix, 'orders'))))).every((v) => v === null));

    // Left unreleased after a failed release: close() releases it.
    const second = await r.acquire('orders', { ttl: 20_000 });
    proxies[0]!.blackhole(true);
    proxies[1]!.blackhole(true);
    await expect(second.release()).rejects.toBeInstanceOf(QuorumError);
    proxies[0]!.blackhole(false);
    proxies[1]!.blackhole(false);
    await waitFor(() => r.inspect('orders').then((i) => i.instances.every((v) => v.status !== 'error')), {
      timeout: 10_000,
      interval: 100,
    });
    await r.close();
    expect(await Promise.all(servers.map((c) => c.get(lockKey(keyPrefix, 'orders'))))).toEqual([null, null, null]);
  });

  it("a split release (one deleted, one found it gone, one stalled) waits for the stalled server's late answer", async () => {
    const { set, keyPrefix, key, servers, r } = await stallRig('ledger');

    // Still held on the stalled server: it says so once it wakes (400 ms, within the wait), and that is a quorum.
    const lost: unknown[] = [];
    const result = await r.using('ledger', { ttl: 20_000 }, async (lock) => {
      lock.on('lost', (e: unknown) => lost.push(e));
      await onEvery(servers, key, lock.value);
      await servers[2]!.del(key); // server 2 lost its copy; 0 and 1 still hold a quorum
      set.servers[1]!.pause(); // and 1 stalls past the release's timeout
      setTimeout(() => set.servers[1]!.resume(), 400);
      return 'done';
    });
    expect(result).toBe('done');
    expect(lost).toEqual([]);
    await waitFor(async () => (await servers[1]!.exists(key)) === 0, { timeout: 5_000 });

    // Taken meanwhile on the stalled server and another (an operator's force release that
    // missed server 0, then another holder): its late answer says gone — lost, not hidden.
    const other = new Redlock(set.urls, { keyPrefix, commandTimeout: 200 });
    defer(() => other.close());
    const taken = await r
      .using('ledger', { ttl: 20_000 }, async (lock) => {
        await onEvery(servers, key, lock.value);
        await Promise.all(servers.slice(1).map((c) => c.del(key)));
        expect(await other.tryAcquire('ledger', { ttl: 20_000 })).not.toBeNull();
        set.servers[2]!.pause();
        setTimeout(() => set.servers[2]!.resume(), 400);
        return 'done';
      })
      .catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(LockLostError);
    expect((taken as Error).message).toMatch(/no longer held it when it was released/);

    // No late answer within the wait (2 × commandTimeout, at least 1 s): counted as lost.
    await Promise.all(servers.map((c) => c.del(key)));
    const silent = await r
      .using('ledger', { ttl: 20_000 }, async (lock) => {
        await onEvery(servers, key, lock.value);
        await servers[2]!.del(key);
        set.servers[1]!.pause();
        return 'done';
      })
      .catch((e: unknown) => e);
    set.servers[1]!.resume();
    expect(silent).toBeInstanceOf(LockLostError);
    expect((silent as Error).message).toMatch(/no quorum of instances was found still holding it.*may not have been protected/);
  });
});

describe('a release whose answers come late', () => {
  it('a release that reached only one server is lost when the late answers say another holds a quorum, also on retry', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const keyPrefix = prefix();
    const key = lockKey(keyPrefix, 'ledger');
    const servers = raw(set.urls);
    const r = new Redlock(set.urls, { keyPrefix, commandTimeout: 200 });
    const other = new Redlock(set.urls, { keyPrefix, commandTimeout: 200 });
    defer(() => Promise.all([r.close(), other.close()]));
    const lock = await r.acquire('ledger', { ttl: 20_000 });
    await onEvery(servers, key, lock.value);
    // An operator's force release missed server 2; another process took 0 and 1.
    await Promise.all(servers.slice(0, 2).map((c) => c.del(key)));
    const taken = await other.tryAcquire('ledger', { ttl: 20_000 });
    expect(taken).not.toBeNull();
    // 0 and 1 stall 400 ms at the release: one yes (2), two timeouts; their late answers: gone.
    stallFor(set, [0, 1], 400);
    await expect(lock.release()).resolves.toBe(false);
    expect(lock.lostError?.message).toMatch(/no longer held it when it was released/);
    expect(taken!.isHeld).toBe(true);

    // Stalled past the wait: QuorumError first; the retry counts the late answers that came since.
    const second = await r.acquire('solo', { ttl: 20_000 });
    const soloKey = lockKey(keyPrefix, 'solo');
    await onEvery(servers, soloKey, second.value);
    await Promise.all(servers.slice(0, 2).map((c) => c.del(soloKey)));
    const thief = await other.tryAcquire('solo', { ttl: 20_000 });
    expect(thief).not.toBeNull();
    set.servers[0]!.pause();
    set.servers[1]!.pause();
    await expect(second.release()).rejects.toBeInstanceOf(QuorumError);
    set.servers[0]!.resume();
    set.servers[1]!.resume();
    await new Promise((resolve) => setTimeout(resolve, 300)); // their late answers: gone
    await expect(second.release()).resolves.toBe(false); // (it used to answer true: the retry took "gone" as expected)
    expect(second.lostError).toBeInstanceOf(LockLostError);
  });

  it('using() rejects when its final release cannot tell (servers stalled past the wait)', async () => {
    const { set, key, servers, r } = await stallRig('ledger');

    // 0 and 1 stall for 1.5 s at the release (the wait is 1 s): nothing tells — QuorumError, not a resolved using().
    const unconfirmed = await r
      .using('ledger', { ttl: 20_000 }, () => {
        stallFor(set, [0, 1], 1_500);
        return 'done';
      })
      .catch((e: unknown) => e);
    expect(unconfirmed).toBeInstanceOf(QuorumError);
    await waitFor(async () => (await Promise.all(servers.map((c) => c.exists(key)))).every((e) => e === 0), { timeout: 5_000 });
  });

  it('a release waits for the renewal on its way: keys it re-took are not counted as held', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const proxies = await Promise.all(set.servers.map((s) => startProxy({ port: s.port })));
    defer(() => Promise.all(proxies.map((p) => p.close())));
    const keyPrefix = prefix();
    const key = lockKey(keyPrefix, 'ledger');
    const servers = raw(set.urls);
    const r = new Redlock(
      proxies.map((p) => p.url),
      { keyPrefix, commandTimeout: 1_500 },
    );
    defer(() => r.close());
    for (const p of proxies) p.setLatency(200); // every round trip takes 400 ms or more
    const outcome = await r
      .using('ledger', { ttl: 3_000 }, async (lock) => {
        await onEvery(servers, key, lock.value);
        await Promise.all(servers.slice(0, 2).map((c) => c.del(key))); // servers 0 and 1 lost it
        // The renewal (ttl/3 after the lock was taken) re-takes it there: end the moment it has,
        // while its answer is still on its way back (200 ms).
        await waitFor(async () => (await servers[0]!.get(key)) === lock.value, { timeout: 5_000, interval: 5 });
        return 'done';
      })
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(LockLostError); // the renewal found it gone on a quorum
  });

  it('5 servers, two stalled: the one still pending when the timeout settled the ballot is waited for too', async () => {
    const { set, key, servers, r } = await stallRig('five', 5);
    const lock = await r.acquire('five', { ttl: 20_000 });
    await onEvery(servers, key, lock.value);
    await Promise.all([servers[1]!.del(key), servers[2]!.del(key)]); // held on 0, 3, 4: a quorum
    stallFor(set, [3, 4], 400);
    await expect(lock.release()).resolves.toBe(true);
    expect(lock.lostError).toBeUndefined();
  });

  it('releases sent while a server stalls are decided by its late or swept answers, not taken for losses', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = new Redlock(set.urls, { keyPrefix, commandTimeout: 200 });
    defer(() => r.close());
    const locks = [];
    for (let i = 0; i < 4; i++) locks.push(await r.acquire(`job-${i}`, { ttl: 20_000 }));
    await raw(set.urls)[1]!.flushall(); // server 1 lost them; 0 and 2 still hold a quorum
    set.servers[2]!.pause();
    setTimeout(() => set.servers[2]!.resume(), 500);
    // One after another, 100 ms apart: the first times out on 2; the others meet a connection
    // that waits for its probe (they fail at once there, and are swept once it answers).
    const releases: Promise<boolean>[] = [];
    for (const lock of locks) {
      releases.push(lock.release());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const results = await Promise.all(releases);
    expect(results).toEqual([true, true, true, true]);
    for (const lock of locks) expect(lock.lostError).toBeUndefined();
  });
});

describe('reads that cannot tell', () => {
  it('inspect, leader() and a semaphore’s inspect reject with QuorumError when too few servers answer; one silent server still tells', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = new Redlock(set.urls, { keyPrefix, commandTimeout: 200 });
    defer(() => r.close());
    const election = r.election('primary', { ttl: 5_000 });
    const semaphore = r.semaphore('pool', { permits: 2, ttl: 5_000 });
    await expect(r.inspect('orders')).resolves.toMatchObject({ held: false });

    // One server silent: the two others say free, so nobody can hold a quorum.
    set.servers[0]!.pause();
    await expect(r.inspect('orders')).resolves.toMatchObject({ held: false, agree: true });
    await expect(election.leader()).resolves.toBeNull();

    // Two silent: a holder could hold a quorum on them.
    set.servers[1]!.pause();
    for (const read of [() => r.inspect('orders'), () => election.leader(), () => semaphore.inspect()]) {
      const error = await read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuorumError);
      expect((error as Error).message).toMatch(/could not tell whether .* is held/);
    }
    set.servers[0]!.resume();
    set.servers[1]!.resume();

    // One server holding it, one silent: it may hold a quorum. A key of another type on two
    // servers: an error, not "free".
    const servers = raw(set.urls);
    await servers[0]!.set(lockKey(keyPrefix, 'odd'), 'abcdefabcdefabcdefabcdef.stray', 'PX', 10_000);
    set.servers[1]!.pause();
    await expect(r.inspect('odd')).rejects.toBeInstanceOf(QuorumError);
    set.servers[1]!.resume();
    await waitFor(() => r.inspect('odd').then((i) => i.instances.every((v) => v.status !== 'error')), { timeout: 5_000, interval: 100 });
    await Promise.all(servers.slice(1).map((c) => c.rpush(lockKey(keyPrefix, 'listed'), 'x')));
    const wrong = (await r.inspect('listed').catch((e: unknown) => e)) as Error;
    expect(wrong.message).toMatch(/WRONGTYPE/);
    expect(wrong.message).not.toMatch(/[0-9a-f]{40}|user_script/); // nor the script's SHA1 and line
  });
});

describe('key names', () => {
  it('a lock may not be named like Tenure’s own keys, nor start with "}"; a prefix may not hold an empty hash tag', async () => {
    const r = redlock(inject('redis1'));
    for (const name of ['sequence:invoices', 'window:api', 'election:x', 'schedule:x', 'once:x', 'semaphore:pool#0']) {
      await expect(r.acquire(name, { ttl: 1_000 })).rejects.toThrow(RangeError);
      await expect(r.tryAcquire([`ok`, name], { ttl: 1_000 })).rejects.toThrow(new RegExp(name.split(':')[0]!));
    }
    await expect(r.tryAcquire('}x', { ttl: 1_000 })).rejects.toThrow(/Cluster slots/);
    expect(() => new Redlock(inject('redis1'), { keyPrefix: 'app{}:' })).toThrow(/options\.keyPrefix/);
    // inspect may read them.
    await expect(r.inspect('sequence:invoices')).resolves.toMatchObject({ held: false });
  });
});

describe('smaller truths', () => {
  it('observe() on an election that was never started follows the leader changes by itself', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const watcher = redlock(urls, { keyPrefix }).election('primary', { ttl: 4_000 });
    const seen: (string | null)[] = [];
    const stop = new AbortController();
    const following = (async () => {
      for await (const id of watcher.observe(stop.signal)) seen.push(id);
    })();
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual([null]);
    const a = redlock(urls, { keyPrefix }).election('primary', { ttl: 4_000, id: 'A' }).start();
    await waitFor(() => seen.includes('A'), { timeout: 3_000 });
    await a.stop(); // resigns: nobody leads
    await waitFor(() => seen[seen.length - 1] === null, { timeout: 3_000 });
    const b = redlock(urls, { keyPrefix }).election('primary', { ttl: 4_000, id: 'B' }).start();
    await waitFor(() => seen.includes('B'), { timeout: 3_000 });
    await b.stop();
    stop.abort();
    await following;
    expect(seen.filter((id) => id !== null)).toEqual(['A', 'B']);
  });

  it('observe() yields each leader once: its next looks that find the same leader are no change', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix, commandTimeout: 200 }).election('primary', { ttl: 1_000, id: 'A' }).start();
    await waitFor(() => a.isLeader);
    const watcher = redlock(urls, { keyPrefix, commandTimeout: 200 }).election('primary', { ttl: 1_000 }); // looks every 500 ms
    const seen: (string | null)[] = [];
    const stop = new AbortController();
    const following = (async () => {
      for await (const id of watcher.observe(stop.signal)) seen.push(id);
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_300)); // two looks at least
    stop.abort();
    await following;
    expect(seen).toEqual(['A']);
    await a.stop();
  });

  it('NODE_DEBUG=tenure logs a line per acquire, wait, hand-off, extend, release and loss', async () => {
    const urls = inject('redis1');
    const script = `
      import { Redlock } from ${JSON.stringify(distEntry)};
      const a = new Redlock(${JSON.stringify(urls)}, { keyPrefix: ${JSON.stringify(prefix())} });
      const first = await a.acquire('job', { ttl: 5000 });
      const waiting = a.acquire('job', { ttl: 5000, wait: 5000 });
      await new Promise((r) => setTimeout(r, 50));
      await first.extend();
      await first.release();
      const second = await waiting;
      const short = await a.acquire('short', { ttl: 50 });
      short.signal; // watched: lost at expiry
      await new Promise((r) => setTimeout(r, 120));
      await second.release();
      await a.close();
    `;
    const { stderr } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, NODE_DEBUG: 'tenure' },
    });
    for (const pattern of [
      /acquired "job"/,
      /waiting for "job"/,
      /woken by a release of "job"/,
      /extended "job"/,
      /released "job"/,
      /lost "short"/,
    ]) {
      expect(stderr).toMatch(pattern);
    }
  });

  it('lock.signal is up to date when read after a blocked event loop', async () => {
    const r = redlock(inject('redis1'));
    const lock = await r.acquire('blocked', { ttl: 100 });
    const until = performance.now() + 150;
    while (performance.now() < until); // block the event loop past the ttl
    expect(lock.isHeld).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
  });

  it('a manual extend of an auto-extended lock is kept by the next renewals', async () => {
    const urls = inject('redis1');
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    const lock = await r.acquire('long', { ttl: 300, autoExtend: true });
    await lock.extend(3_000); // renewals now every 1 s, each for 3 s
    const [c] = raw(urls);
    expect(await c!.pttl(lockKey(keyPrefix, 'long'))).toBeGreaterThan(2_000);
    // The next renewal has come back (not a fixed wait): it kept 3 s on the server, not 300 ms.
    let renewals = 0;
    lock.on('extended', () => renewals++);
    await waitFor(() => renewals > 0, { timeout: 5_000, message: 'no renewal after the manual extend' });
    expect(await c!.pttl(lockKey(keyPrefix, 'long'))).toBeGreaterThan(2_000);
    expect(lock.remaining()).toBeGreaterThan(2_000);
    await lock.release();
  });

  it('schedule.stop() tells a running job through its signal, and waits for it', async () => {
    const r = redlock(inject('redis1'));
    let told = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const schedule = r.schedule('long-job', { every: 60_000, ttl: 30_000 }, (signal) => {
      started();
      return new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => {
          told = true;
          resolve();
        }),
      );
    });
    await running;
    await schedule.stop();
    expect(told).toBe(true);
  });
});

describe('forceRelease', () => {
  it('deletes a lock on every server whoever holds it, wakes its waiter, and says what it removed where', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const holder = redlock(urls, { keyPrefix, owner: 'stuck-job' });
    const lock = await holder.acquire('report', { ttl: 30_000 });
    const waiter = redlock(urls, { keyPrefix });
    let attempts = 0;
    waiter.on('contended', (e) => (attempts = e.attempt));
    const waiting = waiter.acquire('report', { ttl: 5_000, wait: 10_000, retryDelay: 10_000, retryJitter: 0 });
    // In its 10 s retry wait, subscribed: a waiter subscribes after its first attempt and tries
    // once more at once, so its second attempt has failed (seen, not assumed after a pause).
    await waitFor(() => attempts >= 2);
    const admin = redlock(urls, { keyPrefix });
    const forced = await admin.forceRelease('report');
    expect(forced.map((f) => f.status)).toEqual(['released', 'released', 'released']);
    expect(forced.every((f) => f.value === lock.value)).toBe(true);
    const started = performance.now();
    const next = await waiting; // woken by the release message, not its 10 s retry delay
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(next.isHeld).toBe(true);
    expect((await admin.forceRelease('nothing-here')).every((f) => f.status === 'not-held')).toBe(true);
    await expect(admin.forceRelease('sequence:invoices')).rejects.toThrow(RangeError);
  });

  it("deletes a read-write lock's readers too, and the writer waiting for them takes it at once", async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const rw = redlock(urls, { keyPrefix }).readWriteLock('catalog', { ttl: 30_000 });
    await Promise.all([rw.read.acquire(), rw.read.acquire()]); // two readers that will never release
    const writer = redlock(urls, { keyPrefix }).readWriteLock('catalog', { ttl: 5_000 });
    const writing = writer.write.acquire({ wait: 10_000, retryDelay: 10_000, retryJitter: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // refused, in its 10 s retry wait
    const admin = redlock(urls, { keyPrefix });
    const forced = await admin.forceRelease('rwlock:catalog');
    expect(forced.map((f) => [f.status, f.value, f.readers])).toEqual([
      ['released', undefined, 2],
      ['released', undefined, 2],
      ['released', undefined, 2],
    ]);
    const started = performance.now();
    const lock = await writing; // woken by the release message
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(lock.isHeld).toBe(true);
    // The writer now: removed by value, and no readers. (Its acquisition returned at a
    // quorum: the last server's answer may still be on its way.)
    const writerKey = lockKey(keyPrefix, 'rwlock:catalog');
    await onEvery(raw(urls), writerKey, lock.value);
    const again = await admin.forceRelease('rwlock:catalog');
    expect(again.map((f) => [f.status, f.value, f.readers])).toEqual(Array(3).fill(['released', lock.value, 0]));
    expect((await admin.forceRelease('report')).every((f) => f.readers === undefined)).toBe(true); // not a read-write lock
  });
});
