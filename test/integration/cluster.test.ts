/**
 * A Redis Cluster endpoint (3 masters, real redis-server processes started here) counts as
 * one vote: alone, and beside two plain instances. Locks, fencing, inspect, multi-resource
 * locks (one hash slot only), and hand-off through sharded pub/sub (SSUBSCRIBE / SPUBLISH).
 */
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashSlot } from '../../src/core/slot.js';
import { Redlock, type EndpointInput, type RedlockOptions } from '../../src/index.js';
import { BORROWED, useCluster, type Kind } from '../helpers/kinds.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { defer, prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';
import { commandCalls } from '../helpers/stats.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
});
afterAll(() => cluster?.stop());

const plain = inject('redis3').slice(0, 2);
type Shape = 'cluster' | 'cluster + 2 plain';

function make(shape: Shape, clusterEndpoint: EndpointInput, options: RedlockOptions = {}): Redlock {
  const endpoints: EndpointInput[] = [clusterEndpoint, ...(shape === 'cluster' ? [] : plain)];
  const r = new Redlock(endpoints, { keyPrefix: prefix(), ...options });
  defer(() => r.close());
  return r;
}

/** A client of the cluster, to look at keys wherever they live. */
function clusterClient(): Cluster {
  const c = new Cluster(cluster.seeds);
  c.on('error', () => undefined);
  defer(() => c.disconnect());
  return c;
}

/** Per node: subscribers of `channel` by sharded pub/sub, and by plain pub/sub. */
async function subscribers(nodes: Redis[], channel: string): Promise<{ sharded: number[]; plain: number[] }> {
  const count = async (node: Redis, sub: 'SHARDNUMSUB' | 'NUMSUB'): Promise<number> =>
    Number(((await node.call('PUBSUB', sub, channel)) as [string, number])[1]);
  const sharded = await Promise.all(nodes.map((n) => count(n, 'SHARDNUMSUB')));
  return { sharded, plain: await Promise.all(nodes.map((n) => count(n, 'NUMSUB'))) };
}

/** Script and SPUBLISH calls per node, from INFO commandstats (calls from scripts count too). */
async function calls(nodes: Redis[], command: 'eval' | 'evalsha' | 'spublish' | 'publish'): Promise<number[]> {
  return Promise.all(nodes.map(async (n) => (await commandCalls(n))[command] ?? 0));
}

/** Two resource names whose keys hash to one slot (the hash tag is the resource). */
function sameSlotPair(): [string, string] {
  const bySlot = new Map<number, string>();
  for (let i = 0; ; i++) {
    const name = `r${i}`;
    const slot = hashSlot(`x{${name}}`);
    const other = bySlot.get(slot);
    if (other !== undefined) return [other, name];
    bySlot.set(slot, name);
  }
}

it('hash slots computed by Tenure agree with CLUSTER KEYSLOT', async () => {
  const [node] = raw(cluster.urls.slice(0, 1));
  const keys = ['foo', 'bar', '', 'a{b}c', '{}x', 'x{}{y}', '{{a}}', 'p:{order 7}:fence', 'café{ü}', '\u{1F512}lock', 't:{x'];
  for (const key of keys) expect(hashSlot(key), key).toBe(Number(await node!.cluster('KEYSLOT', key)));
});

// Tenure's own Cluster connection alone and beside two plain instances; every borrowed
// Cluster client kind alone.
const cases: Array<[Kind, Shape]> = [
  ['url', 'cluster'],
  ['url', 'cluster + 2 plain'],
  ...BORROWED.map((k): [Kind, Shape] => [k, 'cluster']),
];

describe.each(cases)('%s: %s', (client, kind) => {
  const endpoint = useCluster(client, () => cluster.seeds);
  it('acquire, extend, fence, inspect and release', async () => {
    const r = make(kind, endpoint());
    expect(r.quorum).toBe(kind === 'cluster' ? 1 : 2);
    const cc = clusterClient();
    const key = `${r.options.keyPrefix}{order}`;
    // With two plain instances, a quorum may decide before the cluster answers: wait for it.
    const lock = await r.acquire('order', { ttl: 10_000, fence: true });
    await waitFor(async () => (await cc.get(key)) === lock.value);
    expect(await r.tryAcquire('order', { ttl: 10_000 })).toBeNull();
    await lock.extend(30_000);
    await waitFor(async () => (await cc.pttl(key)) > 20_000);
    const token = await lock.fence();
    expect(token).toBe(lock.fencingToken);
    await waitFor(async () => BigInt((await cc.get(`${key}:fence`)) ?? 0) >= token); // raised to at least the token
    const info = await r.inspect('order');
    expect(info).toMatchObject({ held: true, value: lock.value, owner: r.options.owner, agree: true });
    expect(info.fencingToken! >= token).toBe(true); // a straggler's counter may be above the token
    expect(info.instances[0]).toMatchObject({ status: 'held', instance: r.instances[0] });
    expect(await lock.release()).toBe(true);
    await waitFor(async () => (await cc.exists(key)) === 0);
    expect((await r.inspect('order')).held).toBe(false);
    const next = (await r.tryAcquire('order', { ttl: 5_000, fence: true }))!;
    expect(next.fencingToken! > token).toBe(true);
  });

  it('a semaphore takes its permits slot by slot (different hash slots), never more than it has, and a waiter is woken', async () => {
    const r = make(kind, endpoint());
    const sem = r.semaphore('pool', { permits: 3, ttl: 10_000 });
    const held = [await sem.acquire(), await sem.acquire(), await sem.acquire()];
    expect(new Set(held.map((p) => p.resources[0])).size).toBe(3);
    expect(await sem.tryAcquire()).toBeNull();
    const waiting = sem.acquire({ wait: 10_000, retryDelay: 8_000, retryJitter: 0 });
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 100)); // (it waits: 3 of 3 are held)
    expect(await held[1]!.release()).toBe(true);
    const next = await waiting;
    expect(next.resources).toEqual(held[1]!.resources); // the one that was freed
    expect(performance.now() - started).toBeLessThan(5_000); // woken, not after its 8 s retry delay
    for (const p of [held[0]!, held[2]!, next]) await p.release();
  });

  it('a multi-resource lock on resources that share a hash slot', async () => {
    // By a hash tag in the prefix: every key of this Redlock lives in one slot.
    const tagged = make(kind, endpoint(), { keyPrefix: `${prefix()}{shared}:` });
    const lock = await tagged.acquire(['a', 'b', 'c'], { ttl: 10_000, fence: true });
    expect(await tagged.tryAcquire(['c', 'd'], { ttl: 1_000 })).toBeNull();
    expect(await lock.release()).toBe(true);
    expect(await tagged.tryAcquire(['c', 'd'], { ttl: 1_000 })).not.toBeNull();
    // By two resource names that happen to hash to one slot.
    const r = make(kind, endpoint());
    const pair = sameSlotPair();
    const [node] = raw(cluster.urls.slice(0, 1));
    const slots = await Promise.all(pair.map((p) => node!.cluster('KEYSLOT', `${r.options.keyPrefix}{${p}}`)));
    expect(slots[0]).toBe(slots[1]);
    const both = (await r.tryAcquire(pair, { ttl: 10_000 }))!;
    expect(both.resources).toEqual(pair);
    expect(await r.tryAcquire(pair[1], { ttl: 1_000 })).toBeNull();
    expect(await both.release()).toBe(true);
  });

  it('resources in different slots: a RangeError naming them and their slots, before any network call', async () => {
    const r = make(kind, endpoint());
    const nodes = raw(cluster.urls);
    const before = [...(await calls(nodes, 'eval')), ...(await calls(nodes, 'evalsha'))];
    const slotA = hashSlot(`${r.options.keyPrefix}{a}`);
    const slotB = hashSlot(`${r.options.keyPrefix}{b}`);
    expect(slotA).not.toBe(slotB);
    const message = new RegExp(`share a Redis Cluster hash slot.*cluster://.*"a".*slot ${slotA}.*"b".*slot ${slotB}`);
    await expect(r.tryAcquire(['a', 'b'], { ttl: 1_000 })).rejects.toThrow(message);
    await expect(r.acquire(['a', 'b'], { ttl: 1_000 })).rejects.toBeInstanceOf(RangeError);
    await expect(r.using(['a', 'b'], { ttl: 1_000 }, () => 1)).rejects.toThrow(/hash slot/);
    expect([...(await calls(nodes, 'eval')), ...(await calls(nodes, 'evalsha'))]).toEqual(before);
  });

  it('a waiter on the cluster wakes on release through sharded pub/sub, long before its retry delay', async () => {
    const r = make(kind, endpoint(), { retryDelay: 5_000, retryJitter: 0 });
    const nodes = raw(cluster.urls);
    const channel = `${r.options.keyPrefix}{job}:released`;
    const owner = cluster.ranges.findIndex(([lo, hi]) => hashSlot(channel) >= lo && hashSlot(channel) <= hi);
    const only = (n: number): number[] => cluster.ranges.map((_, i) => (i === owner ? n : 0));
    // iovalkey's Cluster has no sharded subscriber: releases go by PUBLISH (broadcast), waiters by SUBSCRIBE.
    const sharded = client !== 'iovalkey';
    const holder = (await r.tryAcquire('job', { ttl: 30_000 }))!;
    const waiting = r.acquire('job', { ttl: 5_000, wait: 20_000 });
    const sum = (list: number[]): number => list.reduce((a, b) => a + b, 0);
    if (sharded) {
      // The waiter listens by SSUBSCRIBE on the node that owns the channel's slot, and nowhere by SUBSCRIBE.
      await waitFor(async () => (await subscribers(nodes, channel)).sharded[owner] === 1);
      expect(await subscribers(nodes, channel)).toEqual({ sharded: only(1), plain: [0, 0, 0] });
    } else {
      await waitFor(async () => sum((await subscribers(nodes, channel)).plain) === 1);
      expect((await subscribers(nodes, channel)).sharded).toEqual([0, 0, 0]);
    }
    const command = sharded ? 'spublish' : 'publish';
    const published = await calls(nodes, command);
    const start = performance.now();
    await holder.release();
    const lock = await waiting;
    expect(performance.now() - start).toBeLessThan(1_000); // polling would take 5 s
    expect(lock.isHeld).toBe(true);
    // The release script published (SPUBLISH, or PUBLISH without sharded subscribers) on the owning node only
    // (the release returns at a quorum: the cluster's may still be on its way).
    const sent = async (): Promise<number[]> => (await calls(nodes, command)).map((n, i) => n - published[i]!);
    await waitFor(async () => (await sent()).some((n) => n > 0), { timeout: 2_000 });
    expect(await sent()).toEqual(only(1));
    // Nobody waits any more: the subscription is gone.
    await waitFor(async () => {
      const now = await subscribers(nodes, channel);
      return sum(now.sharded) + sum(now.plain) === 0;
    });
  });

  it('auto-pipelining on: 64 concurrent acquire/release loops on distinct keys', async () => {
    const r = make(kind, endpoint(), { autoPipelining: true });
    const counts = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        let n = 0;
        for (let turn = 0; turn < 10; turn++) {
          const lock = (await r.tryAcquire(`k${i}`, { ttl: 5_000 }))!;
          expect(lock.isHeld).toBe(true);
          if (await lock.release()) n++;
        }
        return n;
      }),
    );
    expect(counts).toEqual(Array.from({ length: 64 }, () => 10));
  });
});
