/**
 * The batched keeper: auto-extended leases that fall due together are renewed with one script
 * call per server, each with its own result; counted by the servers themselves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LockLostError, lockKey, type Lock } from '../../src/index.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { scriptCalls } from '../helpers/stats.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
afterEach(async () => {
  await set?.stop();
  set = undefined;
});

const TTL = 900; // renewed every 300 ms
const LOCKS = 200;

/** Script calls one server sees while `LOCKS` auto-extended locks are held for about 1.5 s. */
async function renewalCalls(renewBatch: number): Promise<{ calls: number; locks: Lock[] }> {
  set ??= await startRedisSet(3);
  const r = redlock(set.urls, { keyPrefix: prefix(), renewBatch, commandTimeout: 250 });
  const locks = await Promise.all(Array.from({ length: LOCKS }, (_, i) => r.acquire(`job-${i}`, { ttl: TTL, autoExtend: true })));
  const [admin] = raw(set.urls);
  await admin!.config('RESETSTAT');
  const since = performance.now();
  await waitFor(() => performance.now() - since >= 1_500, { timeout: 5_000, interval: 50 });
  const calls = await scriptCalls(admin!);
  for (const lock of locks) expect(lock.isHeld).toBe(true);
  await Promise.all(locks.map((l) => l.release()));
  return { calls, locks };
}

describe('batched renewals', () => {
  it('200 auto-extended locks renew with a few script calls per server, against one per lock per renewal without batching', async () => {
    const batched = await renewalCalls(100);
    const single = await renewalCalls(1);
    // 1.5 s at one renewal per 300 ms: 5 renewals each. One lock at a time: ~1,000 calls; in
    // batches of 100 taken together: ~10-20.
    expect(single.calls).toBeGreaterThan(LOCKS * 3);
    expect(batched.calls).toBeLessThan(single.calls / 10);
    expect(batched.calls).toBeGreaterThan(0);
  });

  it('each lease gets its own result: one taken lock of a batch is lost, the others are renewed', async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const r = redlock(set.urls, { keyPrefix, commandTimeout: 250 });
    const locks = await Promise.all(Array.from({ length: 10 }, (_, i) => r.acquire(`job-${i}`, { ttl: TTL, autoExtend: true })));
    const servers = raw(set.urls);
    await Promise.all(servers.map((c) => c.set(lockKey(keyPrefix, 'job-3'), 'another-holder', 'PX', 60_000)));
    await waitFor(() => !locks[3]!.isHeld, { timeout: 2_000 });
    expect(locks[3]!.lostError).toBeInstanceOf(LockLostError);
    expect(locks[3]!.signal.aborted).toBe(true);
    // The others keep being renewed past their first ttl.
    const since = performance.now();
    await waitFor(() => performance.now() - since >= TTL + 300, { timeout: 5_000, interval: 50 });
    for (const [i, lock] of locks.entries()) if (i !== 3) expect(lock.isHeld).toBe(true);
    expect(await servers[0]!.get(lockKey(keyPrefix, 'job-3'))).toBe('another-holder'); // never written over
  });

  it('a lease whose batches fail is lost when its validity runs out', async () => {
    set = await startRedisSet(3);
    const r = redlock(set.urls, { keyPrefix: prefix(), commandTimeout: 200 });
    const lock = await r.acquire('job', { ttl: TTL, autoExtend: true });
    const lost = new Promise<LockLostError>((resolve) => lock.once('lost', resolve));
    await Promise.all(set.servers.slice(0, 2).map((s) => s.kill()));
    expect(await lost).toBeInstanceOf(LockLostError);
    expect(lock.isHeld).toBe(false);
  });

  it('with restartQuarantine, batched renewals re-take nothing on a server in quarantine, and the lock stays held', async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const r = redlock(set.urls, { keyPrefix, restartQuarantine: 20_000, commandTimeout: 250 });
    await r.markFresh(); // new servers: no need to wait the quarantine out
    const locks = await Promise.all(['job-a', 'job-b'].map((name) => r.acquire(name, { ttl: TTL, autoExtend: true })));
    const [s0, , s2] = raw(set.urls);
    const key = lockKey(keyPrefix, 'job-a');
    await waitFor(async () => (await s2!.get(key)) === locks[0]!.value);
    await s0!.flushall(); // server 0 loses its data and its marker: in quarantine
    const extensions = locks[0]!.extensions;
    // Two renewals later (every 300 ms) both locks are held, on servers 1 and 2 only.
    await waitFor(() => locks[0]!.extensions >= extensions + 2, { timeout: 3_000 });
    for (const lock of locks) expect(lock.isHeld).toBe(true);
    expect(await s0!.exists(key, lockKey(keyPrefix, 'job-b'))).toBe(0);
    expect(await s2!.get(key)).toBe(locks[0]!.value);
  });

  it('renewBatch is validated before any network call', () => {
    expect(() => redlock(['redis://127.0.0.1:1'], { renewBatch: 0 })).toThrow(/options\.renewBatch/);
    expect(() => redlock(['redis://127.0.0.1:1'], { renewBatch: 1.5 })).toThrow(TypeError);
  });
});
