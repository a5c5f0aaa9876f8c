/**
 * A replicated set without Sentinel (`{ servers: [master, replica] }`): one vote, on the
 * server ROLE says is the master, followed across a manual failover (REPLICAOF NO ONE on
 * the replica, REPLICAOF on the old master) and across the master's death.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { Redlock } from '../../src/index.js';
import { startReplicated } from '../helpers/redis-sentinel.js';
import { defer, prefix, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  defer(() => c.disconnect());
  return c;
}

describe('a replicated set given as its servers', () => {
  it('votes once, on the master, whichever order the servers are listed in', async () => {
    const set = await startReplicated();
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = redlock([{ servers: [set.replica.url, set.master.url] }], { keyPrefix });
    expect(r.instances).toEqual([`replicated://127.0.0.1:${set.replica.port},127.0.0.1:${set.master.port}`]);
    expect(r.quorum).toBe(1);
    const lock = await r.acquire('job', { ttl: 30_000 });
    expect(await client(set.master.port).get(`${keyPrefix}{job}`)).toBe(lock.value);
    expect(lock.outcomes.map((o) => o.status)).toEqual(['acquired']);
  });

  it('follows a manual failover: the lock is extended and released on the new master, new locks go there', async () => {
    const set = await startReplicated();
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = redlock([{ servers: [set.master.url, set.replica.url] }], { keyPrefix, replicaSync: 200 });
    const lock = await r.acquire('job', { ttl: 30_000 });
    const oldMaster = client(set.master.port);
    const newMaster = client(set.replica.port);
    expect(await newMaster.get(`${keyPrefix}{job}`)).toBe(lock.value); // replicated (replicaSync)
    await newMaster.call('REPLICAOF', 'NO', 'ONE');
    await oldMaster.call('REPLICAOF', '127.0.0.1', String(set.replica.port));
    // The first write after the failover may meet the demoted master (READONLY); then it follows.
    await waitFor(async () => {
      await lock.extend(20_000);
      return true;
    });
    const pttl = await newMaster.pttl(`${keyPrefix}{job}`);
    expect(pttl).toBeGreaterThan(15_000);
    expect(pttl).toBeLessThanOrEqual(20_000);
    const other = await r.acquire('next', { ttl: 10_000, wait: 5_000 });
    expect(await newMaster.get(`${keyPrefix}{next}`)).toBe(other.value);
    expect(await lock.release()).toBe(true);
    expect(await newMaster.exists(`${keyPrefix}{job}`)).toBe(0);
  });

  it('follows the master dying: the replica, once promoted, takes the votes', async () => {
    const set = await startReplicated();
    defer(() => set.stop());
    const keyPrefix = prefix();
    const r = redlock([{ servers: [set.master.url, set.replica.url] }], { keyPrefix });
    await (await r.acquire('a', { ttl: 5_000 })).release();
    await set.master.kill();
    await client(set.replica.port).call('REPLICAOF', 'NO', 'ONE');
    const lock = await waitFor(() => r.tryAcquire('b', { ttl: 5_000 }), { timeout: 10_000 });
    expect(await client(set.replica.port).get(`${keyPrefix}{b}`)).toBe(lock.value);
  });

  it('is validated before any network call', () => {
    expect(() => new Redlock([{ servers: [] }])).toThrow(/servers/);
    expect(() => new Redlock([{ servers: ['http://x'] }])).toThrow(/servers\[0\]/);
    expect(() => new Redlock([{ servers: ['redis://a'], url: 'redis://b' }])).toThrow(/exactly one of/);
  });
});
