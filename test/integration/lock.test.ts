import { describe, expect, inject, it } from 'vitest';
import { LockLostError, LockTimeoutError, QuorumError, ServerError, type Lock } from '../../src/index.js';
import { BORROWED, useClients, type Kind } from '../helpers/kinds.js';
import { raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const sets = { 1: inject('redis1'), 3: inject('redis3'), 5: inject('redis5') };

// Tenure's own connections on 1, 3 and 5 instances; every borrowed client kind on 3.
const cases: Array<[Kind, 1 | 3 | 5]> = [['url', 1], ['url', 3], ['url', 5], ...BORROWED.map((k): [Kind, 3] => [k, 3])];

describe.each(cases)('lock (%s) on %i instance(s)', (kind, n) => {
  const urls = sets[n];
  const endpoints = useClients(kind, () => urls);

  it('tryAcquire takes a free lock and returns null while it is held', async () => {
    const a = redlock(endpoints());
    const lock = await a.tryAcquire('orders', { ttl: 10_000 });
    expect(lock).not.toBeNull();
    expect(lock!.isHeld).toBe(true);
    expect(lock!.resources).toEqual(['orders']);
    expect(lock!.remaining()).toBeGreaterThan(9_000);
    expect(lock!.remaining()).toBeLessThanOrEqual(10_000);
    expect(lock!.value).toMatch(/^[\w-]{22}\./);
    expect(await a.tryAcquire('orders', { ttl: 10_000 })).toBeNull();
    expect(await lock!.release()).toBe(true);
    expect(lock!.isHeld).toBe(false);
    const again = await a.tryAcquire('orders', { ttl: 10_000 });
    expect(again).not.toBeNull();
  });

  it('release is idempotent and reports whether the lock was still held', async () => {
    const a = redlock(endpoints());
    const lock = (await a.tryAcquire('r', { ttl: 5_000 }))!;
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(false);
    const short = (await a.tryAcquire('s', { ttl: 30 }))!;
    await waitFor(() => !short.isHeld);
    expect(await short.release()).toBe(false);
  });

  it('writes the lock on every instance, and deletes it from every instance on release', async () => {
    const a = redlock(endpoints(), { keyPrefix: `p${n}:${Date.now()}:` });
    const clients = raw(urls);
    const lock = (await a.tryAcquire('k', { ttl: 5_000 }))!;
    const key = `${a.options.keyPrefix}{k}`;
    await waitFor(async () => (await Promise.all(clients.map((c) => c.get(key)))).every((v) => v === lock.value));
    await lock.release();
    await waitFor(async () => (await Promise.all(clients.map((c) => c.exists(key)))).every((v) => v === 0));
  });

  it('extend renews the ttl on a quorum; a lost lock cannot be extended', async () => {
    const a = redlock(endpoints());
    const clients = raw(urls);
    const lock = (await a.tryAcquire('e', { ttl: 1_000 }))!;
    await lock.extend(60_000);
    expect(lock.remaining()).toBeGreaterThan(50_000);
    const key = `${a.options.keyPrefix}{e}`;
    await waitFor(async () => (await Promise.all(clients.map((c) => c.pttl(key)))).every((p) => p > 50_000));
    // Someone deletes it everywhere: the next extend finds it gone.
    await Promise.all(clients.map((c) => c.del(key)));
    await expect(lock.extend()).rejects.toBeInstanceOf(LockLostError);
    expect(lock.isHeld).toBe(false);
    expect(lock.signal.aborted).toBe(true);
    expect(lock.signal.reason).toBeInstanceOf(LockLostError);
  });

  it('multi-resource locks are all or nothing', async () => {
    const a = redlock(endpoints());
    const clients = raw(urls);
    const b = (await a.tryAcquire('b', { ttl: 5_000 }))!;
    expect(await a.tryAcquire(['a', 'b', 'c'], { ttl: 5_000 })).toBeNull();
    // Neither 'a' nor 'c' was left behind by the failed attempt.
    const keys = ['a', 'c'].map((r) => `${a.options.keyPrefix}{${r}}`);
    await waitFor(async () => (await Promise.all(clients.map((c) => c.exists(...keys)))).every((x) => x === 0));
    await b.release();
    const all = (await a.tryAcquire(['a', 'b', 'c'], { ttl: 5_000 }))!;
    expect(all.resources).toEqual(['a', 'b', 'c']);
    expect(await a.tryAcquire('c', { ttl: 5_000 })).toBeNull();
    await all.release();
    expect(await a.tryAcquire('c', { ttl: 5_000 })).not.toBeNull();
  });

  it('acquire waits for a release, then takes the lock', async () => {
    const a = redlock(endpoints());
    const holder = (await a.tryAcquire('w', { ttl: 10_000 }))!;
    let acquired: Lock | undefined;
    let contended = 0;
    a.on('contended', () => contended++);
    const waiting = a.acquire('w', { ttl: 5_000, wait: 5_000, retryDelay: 20 }).then((l) => (acquired = l));
    // Its first attempt has come back (found the lock held, or wrongly took it): only now can
    // `acquired` tell a waiter from a taker.
    await waitFor(() => contended > 0 || acquired !== undefined);
    expect(acquired).toBeUndefined();
    await holder.release();
    await waiting;
    expect(acquired!.isHeld).toBe(true);
  });

  it('acquire gives up after its wait budget with a LockTimeoutError naming each instance', async () => {
    const a = redlock(endpoints());
    await a.tryAcquire('t', { ttl: 10_000 });
    const error = await a.acquire('t', { ttl: 1_000, wait: 600, retryDelay: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    const e = error as LockTimeoutError;
    expect(e.code).toBe('ERR_TENURE_LOCK_TIMEOUT');
    expect(e.resources).toEqual(['t']);
    expect(e.attempts).toBeGreaterThan(1);
    expect(e.outcomes).toHaveLength(n);
    expect(e.outcomes.some((o) => o.status === 'held' && o.remaining! > 0)).toBe(true);
    expect(e.message).toContain('held by another');
  });

  it('acquire with an AbortSignal rejects with the abort reason', async () => {
    const a = redlock(endpoints());
    await a.tryAcquire('ab', { ttl: 10_000 });
    const controller = new AbortController();
    const p = a.acquire('ab', { ttl: 1_000, wait: 10_000, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(p).rejects.toThrow('shutting down');
    await expect(a.acquire('ab', { ttl: 1_000, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('using runs the routine under the lock, auto-extends it, and releases it', async () => {
    const a = redlock(endpoints());
    const ttl = 300;
    const result = await a.using('u', { ttl }, async (lock) => {
      const start = performance.now();
      let extended = 0;
      lock.on('extended', () => extended++);
      // Outlive the ttl three times over: only auto-extension keeps it held.
      await waitFor(() => performance.now() - start > 3 * ttl && extended >= 3, { timeout: 5_000 });
      expect(lock.isHeld).toBe(true);
      expect((await a.inspect('u')).held).toBe(true);
      expect(await a.tryAcquire('u', { ttl: 1_000 })).toBeNull();
      return 42;
    });
    expect(result).toBe(42);
    expect((await a.inspect('u')).held).toBe(false);
  });

  it('using rejects with LockLostError when the lock is lost during the routine, even if it finishes', async () => {
    const a = redlock(endpoints());
    const clients = raw(urls);
    let sawAbort = false;
    const run = a.using('lost', { ttl: 300 }, async (lock) => {
      await Promise.all(clients.map((c) => c.del(`${a.options.keyPrefix}{lost}`)));
      await waitFor(() => lock.signal.aborted, { timeout: 5_000 });
      sawAbort = lock.signal.reason instanceof LockLostError;
      return 'finished anyway';
    });
    await expect(run).rejects.toBeInstanceOf(LockLostError);
    expect(sawAbort).toBe(true);
  });

  it('isHeld is computed when read: a blocked event loop learns the truth at once', async () => {
    const a = redlock(endpoints());
    const lock = (await a.tryAcquire('block', { ttl: 100, autoExtend: true }))!;
    const lost: unknown[] = [];
    lock.on('lost', (e) => lost.push(e));
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // block the event loop past the ttl: no timer can run
    }
    expect(lock.isHeld).toBe(false);
    expect(lock.remaining()).toBe(0);
    await waitFor(() => lost.length === 1);
    expect(lost[0]).toBeInstanceOf(LockLostError);
  });

  it('signal aborts when a lock taken without auto-extension expires', async () => {
    const a = redlock(endpoints());
    // (a short ttl, but not so short that a loaded machine's round trip outlasts it: each
    // command's timeout is at most the ttl it serves)
    const lock = await a.acquire('exp', { ttl: 250, wait: 2_000 });
    const signal = lock.signal;
    await waitFor(() => signal.aborted, { timeout: 2_000 });
    expect(signal.reason).toBeInstanceOf(LockLostError);
  });

  it('inspect shows the holder, remaining time and each instance', async () => {
    const a = redlock(endpoints(), { owner: 'worker-7' });
    expect((await a.inspect('i')).held).toBe(false);
    const lock = (await a.tryAcquire('i', { ttl: 10_000 }))!;
    const info = await a.inspect('i');
    expect(info.held).toBe(true);
    expect(info.owner).toBe('worker-7');
    expect(info.value).toBe(lock.value);
    expect(info.remaining).toBeGreaterThan(9_000);
    expect(info.agree).toBe(true);
    expect(info.instances).toHaveLength(n);
    expect(info.instances.every((v) => v.status === 'held' && v.owner === 'worker-7')).toBe(true);
  });

  it('await using releases the lock at the end of the scope', async () => {
    const a = redlock(endpoints());
    {
      await using lock = await a.acquire('scoped', { ttl: 10_000 });
      expect(lock.isHeld).toBe(true);
      expect(await a.tryAcquire('scoped', { ttl: 1_000 })).toBeNull();
    }
    expect((await a.inspect('scoped')).held).toBe(false);
  });

  it('a key of the wrong type is an error, not a success', async () => {
    const a = redlock(endpoints());
    const clients = raw(urls);
    await Promise.all(clients.map((c) => c.hset(`${a.options.keyPrefix}{wt}`, 'f', 'v')));
    const error = await a.tryAcquire('wt', { ttl: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuorumError);
    const e = error as QuorumError;
    expect(e.outcomes.filter((o) => o.status === 'error').length).toBeGreaterThanOrEqual(a.quorum);
    const cause = e.outcomes.find((o) => o.status === 'error')!.error!;
    expect(cause.message).toMatch(/WRONGTYPE/);
    // The per-server error carries the server's message, not the command: no script source, no lock value.
    expect(cause).toBeInstanceOf(ServerError);
    expect(cause).not.toHaveProperty('command');
    expect(JSON.stringify(e.outcomes) + e.message).not.toMatch(/redis\.call|local /);
    // acquire does not spin on an error retrying cannot fix.
    await expect(a.acquire('wt', { ttl: 1_000, wait: 60_000 })).rejects.toBeInstanceOf(QuorumError);
  });
});
