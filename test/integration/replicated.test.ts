/**
 * Replicated endpoints: `replicaSync` (a vote counts only once a replica acknowledged the
 * write) on a master with one replica, and a Sentinel-managed endpoint that fails over
 * without forgetting a granted lock — the failure the Sentinel seed article describes.
 */
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { QuorumError, ReplicaSyncError, Redlock } from '../../src/index.js';
import { MASTER_NAME, sentinelMasterPort, startReplicated } from '../helpers/redis-sentinel.js';
import { defer, prefix, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  defer(() => c.disconnect());
  return c;
}

describe('replicaSync', () => {
  it('is validated before any network call', () => {
    expect(() => new Redlock('redis://127.0.0.1:1', { replicaSync: -1 })).toThrow(/options\.replicaSync/);
    expect(() => new Redlock('redis://127.0.0.1:1', { replicaSync: '5' as unknown as number })).toThrow(TypeError);
    expect(() => new Redlock('redis://127.0.0.1:1', { replicaSync: 1_000, commandTimeout: 1_000 })).toThrow(
      /below `options\.commandTimeout`/,
    );
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    defer(() => cluster.disconnect());
    expect(() => new Redlock([cluster], { replicaSync: 50 })).toThrow(/Cluster/);
  });

  it('a granted lock, an extension, a fencing token and a sequence value are on the replica when the call resolves', async () => {
    const set = await startReplicated();
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = redlock([set.master.url], { keyPrefix, replicaSync: 200 });
    const replica = client(set.replica.port);
    const lock = await r.acquire('job', { ttl: 30_000, fence: true });
    expect(await replica.get(`${keyPrefix}{job}`)).toBe(lock.value);
    expect(await replica.get(`${keyPrefix}{job}:fence`)).toBe(String(lock.fencingToken));
    await lock.extend(60_000);
    expect(await replica.pttl(`${keyPrefix}{job}`)).toBeGreaterThan(30_000);
    const n = await r.sequence('ids').next();
    expect(await replica.get(`${keyPrefix}{sequence:ids}`)).toBe(String(n));
    await lock.release();
  });

  it('with the replica stopped, the vote does not count: a QuorumError naming ReplicaSyncError, and the master keeps nothing', async () => {
    const set = await startReplicated();
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = redlock([set.master.url], { keyPrefix, replicaSync: 100, commandTimeout: 500 });
    set.replica.pause();
    defer(() => set.replica.resume());
    const error = await r.tryAcquire('job', { ttl: 30_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuorumError);
    expect((error as QuorumError).outcomes[0]!.error).toBeInstanceOf(ReplicaSyncError);
    const master = client(set.master.port);
    await waitFor(async () => (await master.exists(`${keyPrefix}{job}`)) === 0); // the yes was undone
    set.replica.resume();
    const lock = await r.acquire('job', { ttl: 30_000, wait: 5_000 });
    expect(lock.isHeld).toBe(true);
  });
});

describe('a Sentinel-managed endpoint', () => {
  it('votes once through its master, and after a failover (master SIGKILLed) the lock is still held', async () => {
    const set = await startReplicated({ sentinel: true });
    defer(() => set.stop());
    const endpoint = { sentinels: [{ host: '127.0.0.1', port: set.sentinelPort! }], name: MASTER_NAME };
    const keyPrefix = prefix();
    const holder = redlock([endpoint], { keyPrefix, replicaSync: 200, commandTimeout: 500 });
    expect(holder.instances).toHaveLength(1);
    const lock = await holder.acquire('payments', { ttl: 60_000, fence: true });
    await set.master.kill(); // before anything else could be replicated
    await waitFor(async () => (await sentinelMasterPort(set.sentinelPort!)) === set.replica.port, {
      timeout: 15_000,
      interval: 50,
      message: 'the Sentinel did not promote the replica',
    });
    // A newcomer, through the Sentinel, meets the promoted replica: the lock is there.
    const other = redlock([endpoint], { keyPrefix, commandTimeout: 500 });
    const info = await waitFor(() => other.inspect('payments'), { timeout: 10_000 });
    expect(info.held).toBe(true);
    expect(info.value).toBe(lock.value);
    expect(await other.tryAcquire('payments', { ttl: 1_000 })).toBeNull();
    // The holder's connection follows the Sentinel to the new master. That master has no
    // replica left, so replicaSync refuses to count an extension there: the lock is not
    // silently kept on an unreplicated copy.
    const refused = await waitFor(
      () =>
        lock.extend().then(
          () => undefined,
          (e: unknown) => (e instanceof QuorumError && e.outcomes[0]!.error instanceof ReplicaSyncError ? e : undefined),
        ),
      { timeout: 10_000, interval: 100 },
    );
    expect(refused.message).toMatch(/no replica acknowledged/);
    expect(await lock.release()).toBe(true);
    expect(await other.tryAcquire('payments', { ttl: 1_000 })).not.toBeNull();
  });
});
