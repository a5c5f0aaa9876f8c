/**
 * `keeper: 'thread'`: leases renewed on a worker thread keep their locks while the main
 * thread is blocked by synchronous work; a main thread blocked past maxStall loses them; the
 * validity read by `isHeld` comes from shared memory. Checked on the servers by a watcher on
 * its own thread (test/helpers/watch-key.ts), which keeps looking while this thread spins.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, lockKey, type Lock, type RedlockOptions } from '../../src/index.js';
import { projectRoot } from '../helpers/build.js';
import { prefix, raw, redlock, defer } from '../helpers/tenure.js';
import { busy, watchKey } from '../helpers/watch-key.js';
import { startRedisSet } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const TTL = 600; // renewed every 200 ms

/** Takes an auto-extended lock, blocks this thread for `block` ms, and reports what the servers saw meanwhile. */
async function blocked(options: RedlockOptions, block: number, endpoints?: readonly (string | Redis)[]) {
  const urls = inject('redis3');
  const keyPrefix = prefix();
  const r = redlock(endpoints ?? urls, { keyPrefix, ...options });
  const lock = await r.acquire('job', { ttl: TTL, autoExtend: true });
  const watch = await watchKey(urls, lockKey(keyPrefix, 'job'), lock.value);
  busy(block);
  const heldAfter = lock.isHeld;
  const remaining = lock.remaining();
  const seen = await watch.stop();
  return { lock, heldAfter, remaining, ...seen, keyPrefix, r };
}

describe("keeper: 'thread'", () => {
  it('a lock stays held on the servers while the main thread busy-loops for 2 × ttl; with the main-thread keeper it is lost', async () => {
    const thread = await blocked({ keeper: 'thread' }, 2 * TTL);
    expect(thread.looks).toBeGreaterThan(10);
    expect(thread.gaps).toBe(0); // a quorum held our value at every look
    expect(thread.heldAfter).toBe(true);
    expect(thread.remaining).toBeGreaterThan(0);
    expect(thread.remaining).toBeLessThanOrEqual(TTL); // the thread's times are on our time base
    expect(thread.lock.lostError).toBeUndefined();
    await expect.poll(() => thread.lock.extensions).toBeGreaterThanOrEqual(4); // the block's renewals, told once we run
    expect(await thread.lock.release()).toBe(true);

    const main = await blocked({}, 2 * TTL);
    expect(main.gaps).toBeGreaterThan(0); // the key expired during the block
    expect(main.heldAfter).toBe(false);
  });

  it('a main thread blocked longer than maxStall loses its lease: the thread stops renewing and the key expires', async () => {
    const { lock, gaps, heldAfter } = await blocked({ keeper: 'thread', maxStall: 400 }, 3 * TTL);
    expect(gaps).toBeGreaterThan(0);
    expect(heldAfter).toBe(false);
    const error = await new Promise<LockLostError>((resolve) => {
      if (lock.lostError) resolve(lock.lostError);
      else lock.once('lost', resolve);
    });
    expect(error).toBeInstanceOf(LockLostError);
    expect(lock.signal.aborted).toBe(true);
  });

  it('isHeld reads the shared buffer: a lease the thread found taken is not held at once, before its message is handled', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix, keeper: 'thread' });
    const lock = await r.acquire('job', { ttl: TTL, autoExtend: true });
    await Promise.all(raw(urls).map((c) => c.set(lockKey(keyPrefix, 'job'), 'another-holder', 'PX', 10_000)));
    expect(lock.isHeld).toBe(true);
    busy(TTL / 3 + 250); // the thread's next renewal finds the key taken
    // No await since: the thread's message is still queued, yet isHeld tells the truth.
    expect(lock.lostError).toBeUndefined();
    expect(lock.isHeld).toBe(false);
    expect(lock.remaining()).toBe(0);
    const error = await new Promise<LockLostError>((resolve) => lock.once('lost', resolve));
    expect(error.message).toMatch(/quorum of instances no longer holds it/);
  });

  it('borrowed ioredis clients: the thread connects to the same servers through their options', async () => {
    const clients = inject('redis3').map((u) => new Redis(u));
    defer(() => clients.forEach((c) => c.disconnect()));
    const { gaps, heldAfter, lock } = await blocked({ keeper: 'thread' }, 2 * TTL, clients);
    expect(gaps).toBe(0);
    expect(heldAfter).toBe(true);
    expect(await lock.release()).toBe(true);
    for (const c of clients) expect(c.status).toBe('ready'); // never closed by Tenure
  });

  it('close() stops the thread and its connections; a process that never closes still exits; no unhandled rejection', async () => {
    const urls = inject('redis3');
    const [admin] = raw(urls);
    const name = `tenure-thread-${process.pid}`;
    const count = async (): Promise<number> =>
      String(await admin!.client('LIST'))
        .split('\n')
        .filter((l) => l.includes(`name=${name}`)).length;
    const r = redlock([{ url: urls[0]!, redisOptions: { connectionName: name } }, urls[1]!, urls[2]!], { keeper: 'thread' });
    const lock: Lock = await r.acquire('job', { ttl: TTL, autoExtend: true });
    await expect.poll(count, { timeout: 3_000 }).toBe(2); // ours, and the thread's own
    await r.close();
    expect(lock.isHeld).toBe(false);
    await expect.poll(count, { timeout: 3_000 }).toBe(0);

    // A process whose lease the thread keeps, which closes its own (borrowed) clients and
    // never calls close(): neither the thread nor its heartbeat keeps it alive.
    const dir = mkdtempSync(join(projectRoot, '.tmp-thread-'));
    try {
      const script = join(dir, 'keep.mts');
      writeFileSync(
        script,
        `import { Redis } from 'ioredis';
import { createClient } from 'redis';
         import { Redlock } from ${JSON.stringify(join(projectRoot, 'src/index.ts'))};
         process.on('unhandledRejection', () => process.exit(3));
         const clients = ${JSON.stringify(urls)}.map((u) => new Redis(u));
         const r = new Redlock(clients, { keyPrefix: ${JSON.stringify(prefix())}, keeper: 'thread' });
         const lock = await r.acquire('job', { ttl: 600, autoExtend: true });
         await new Promise((resolve) => lock.once('extended', resolve));
         console.log('renewed', lock.isHeld);
         for (const c of clients) c.disconnect();`,
      );
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, encoding: 'utf8', timeout: 10_000 });
      expect(out.trim()).toBe('renewed true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('elections and semaphore permits renew on the thread too (a plain lease each); with the main keeper they lapse', async () => {
    const urls = inject('redis3');
    const run = async (options: RedlockOptions): Promise<{ leader: boolean; permit: boolean }> => {
      const r = redlock(urls, { commandTimeout: 150, ...options });
      const election = r.election('leader', { ttl: TTL });
      election.start();
      await new Promise((resolve) => election.once('elected', resolve));
      const permit = await r.semaphore('pool', { permits: 2, ttl: TTL }).acquire({ autoExtend: true });
      busy(2 * TTL);
      const result = { leader: election.isLeader, permit: permit.isHeld };
      await election.stop();
      await permit.release();
      return result;
    };
    expect(await run({ keeper: 'thread' })).toEqual({ leader: true, permit: true });
    expect(await run({})).toEqual({ leader: false, permit: false });
  });

  it('SIGSTOP still loses the lease (the whole process stops, thread included), and fencing still protects after it', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const dir = mkdtempSync(join(projectRoot, '.tmp-thread-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'hold.mts');
    writeFileSync(
      script,
      `import { Redlock } from ${JSON.stringify(join(projectRoot, 'src/index.ts'))};
       const r = new Redlock(${JSON.stringify(urls)}, { keyPrefix: ${JSON.stringify(keyPrefix)}, keeper: 'thread' });
       const lock = await r.acquire('job', { ttl: ${TTL}, autoExtend: true, fence: true });
       await new Promise((resolve) => lock.once('extended', resolve));
       console.log(String(lock.fencingToken));`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    defer(() => child.kill('SIGKILL'));
    const first = await new Promise<bigint>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(BigInt(d.toString().trim()))));
    child.kill('SIGSTOP');
    const r = redlock(urls, { keyPrefix });
    const since = performance.now();
    const taken = await r.acquire('job', { ttl: TTL, wait: 5 * TTL, fence: true });
    expect(performance.now() - since).toBeLessThan(3 * TTL); // free within about a ttl of the stop
    expect(taken.fencingToken!).toBeGreaterThan(first); // the stopped holder's token is now stale
    child.kill('SIGCONT');
  });

  it('with restartQuarantine, the thread re-takes nothing on a server in quarantine, and the lock stays held', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = redlock(set.urls, { keyPrefix, keeper: 'thread', restartQuarantine: 20_000 });
    await r.markFresh();
    const lock = await r.acquire('job', { ttl: TTL, autoExtend: true });
    const [s0, , s2] = raw(set.urls);
    const key = lockKey(keyPrefix, 'job');
    await waitFor(async () => (await s2!.get(key)) === lock.value);
    await s0!.flushall(); // server 0 loses its data and its marker: in quarantine
    const extensions = lock.extensions;
    // Two renewals later (every 200 ms) the lock is still held, on servers 1 and 2 only.
    await waitFor(() => lock.extensions >= extensions + 2, { timeout: 3_000 });
    expect(lock.isHeld).toBe(true);
    expect(await s0!.get(key)).toBeNull();
    await lock.release();
  });

  it('options are checked before any network call', () => {
    const url = 'redis://127.0.0.1:1';
    expect(() => redlock([url], { keeper: 'worker' as 'thread' })).toThrow(/options\.keeper/);
    expect(() => redlock([url], { keeper: 'worker' as 'thread' })).toThrow(TypeError);
    expect(() => redlock([url], { maxStall: 1000 })).toThrow(/options\.maxStall.*keeper: 'thread'/);
    expect(() => redlock([url], { keeper: 'thread', maxStall: 10 })).toThrow(RangeError);
    expect(() => redlock([url], { keeper: 'thread', clock: { now: () => 0 } })).toThrow(/options\.clock/);
    // A server the thread cannot reach by itself: said at construction, naming the endpoint.
    const nodeRedis = createClient({ url: inject('redis1')[0] });
    expect(() => redlock([nodeRedis], { keeper: 'thread' })).toThrow(/endpoints\[0\].*not an ioredis client/);
    const r = redlock([url], { keeper: 'thread', maxStall: 1000 });
    // Renewal every ttl/3 = 1000 ms could not happen within maxStall.
    return expect(r.acquire('job', { ttl: 3000, autoExtend: true })).rejects.toThrow(/maxStall/);
  });
});
