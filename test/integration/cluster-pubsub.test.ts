/**
 * Release notifications on a Redis Cluster endpoint: sharded subscriptions are shared and
 * reference-counted, a borrowed Cluster client works (and stays open), an election's
 * announcements (PUBLISH) and hand-offs (SPUBLISH) both reach their listeners, and a server
 * without sharded pub/sub (Redis < 7.0, played by renaming SSUBSCRIBE and SPUBLISH away)
 * falls back to SUBSCRIBE / PUBLISH.
 */
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redlock, type RedlockOptions } from '../../src/index.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { defer, prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';
import { scriptCalls as scriptsOn } from '../helpers/stats.js';

const SLOW = { retryDelay: 5_000, retryJitter: 0 } as const;

function make(c: RedisCluster, options: RedlockOptions = {}): Redlock {
  const r = new Redlock([{ cluster: c.seeds }], { keyPrefix: prefix(), ...options });
  defer(() => r.close());
  return r;
}

/** Subscribers of `channel` over every node: by sharded pub/sub, and by plain pub/sub. */
async function subscribers(nodes: Redis[], channel: string): Promise<{ sharded: number; plain: number }> {
  const count = async (sub: 'SHARDNUMSUB' | 'NUMSUB'): Promise<number> => {
    const replies = await Promise.all(nodes.map((n) => n.call('PUBSUB', sub, channel) as Promise<[string, number]>));
    return replies.reduce((sum, [, n]) => sum + Number(n), 0);
  };
  return { sharded: await count('SHARDNUMSUB'), plain: await count('NUMSUB') };
}

async function scriptCalls(nodes: Redis[]): Promise<number> {
  return (await Promise.all(nodes.map((n) => scriptsOn(n)))).reduce((a, b) => a + b, 0);
}

describe('sharded pub/sub', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(() => cluster?.stop());

  it('waiters on one lock share one SSUBSCRIBE; it is removed when the last stops waiting', async () => {
    const r = make(cluster, SLOW);
    const nodes = raw(cluster.urls);
    const channel = `${r.options.keyPrefix}{q}:released`;
    const holder = (await r.tryAcquire('q', { ttl: 30_000 }))!;
    const first = new AbortController();
    const w1 = r.acquire('q', { ttl: 5_000, wait: 20_000, signal: first.signal }).catch((e: unknown) => e);
    await waitFor(async () => (await subscribers(nodes, channel)).sharded === 1);
    // The second waiter is waiting once its attempt put it in line (the channel was subscribed
    // already: a release since is heard, so it does not try again at once).
    const before = await scriptCalls(nodes);
    const w2 = r.acquire('q', { ttl: 5_000, wait: 20_000 });
    await waitFor(async () => (await scriptCalls(nodes)) - before >= 1);
    expect(await subscribers(nodes, channel)).toEqual({ sharded: 1, plain: 0 });
    first.abort();
    expect(await w1).toMatchObject({ name: 'AbortError' });
    // The subscription outlives the first waiter: the second still wakes on the release.
    const start = performance.now();
    await holder.release();
    const lock = await w2;
    expect(performance.now() - start).toBeLessThan(1_000);
    await lock.release();
    await waitFor(async () => (await subscribers(nodes, channel)).sharded === 0);
  });

  it('a borrowed Cluster client: locks and wake-ups work, and close() leaves the client open', async () => {
    const client = new Cluster(cluster.seeds);
    client.on('error', () => undefined);
    defer(() => client.disconnect());
    const r = new Redlock([client], { keyPrefix: prefix(), ...SLOW });
    const nodes = raw(cluster.urls);
    const channel = `${r.options.keyPrefix}{b}:released`;
    const holder = (await r.tryAcquire('b', { ttl: 30_000 }))!;
    const waiting = r.acquire('b', { ttl: 5_000, wait: 20_000 });
    await waitFor(async () => (await subscribers(nodes, channel)).sharded === 1);
    const start = performance.now();
    await holder.release();
    await waiting;
    expect(performance.now() - start).toBeLessThan(1_000);
    await r.close();
    expect(client.status).toBe('ready');
    expect(await client.exists(`${r.options.keyPrefix}{b}`)).toBe(0);
    await waitFor(async () => (await subscribers(nodes, channel)).sharded === 0);
  });

  it('an election: announcements and hand-off by SSUBSCRIBE, a resigning leader replaced at once', async () => {
    const keyPrefix = prefix();
    const [a, b] = [make(cluster, { keyPrefix }), make(cluster, { keyPrefix })];
    const nodes = raw(cluster.urls);
    const leaderA = a.election('main', { ttl: 10_000, id: 'a' }).start();
    defer(() => leaderA.stop());
    await waitFor(() => leaderA.isLeader);
    const candidateB = b.election('main', { ttl: 10_000, id: 'b' }).start(); // retries every 5 s
    defer(() => candidateB.stop());
    const announcements = `${keyPrefix}{election:main}:leader`;
    const releases = `${keyPrefix}{election:main}:released`;
    await waitFor(async () => (await subscribers(nodes, releases)).sharded === 1);
    await waitFor(async () => {
      const n = await subscribers(nodes, announcements);
      return n.sharded === 2 && n.plain === 0; // each Redlock's subscriber, on the channel's shard only
    });
    const start = performance.now();
    await leaderA.stop();
    await waitFor(() => candidateB.isLeader, { timeout: 1_000 });
    expect(performance.now() - start).toBeLessThan(1_000);
    expect(await candidateB.leader()).toBe('b');
  });
});

describe('a cluster without sharded pub/sub (Redis < 7.0)', () => {
  let old: RedisCluster;
  beforeAll(async () => {
    old = await startRedisCluster(3, { args: ['--rename-command', 'SSUBSCRIBE', '', '--rename-command', 'SPUBLISH', ''] });
  });
  afterAll(() => old?.stop());

  it('releases still succeed, and waiters wake through SUBSCRIBE and PUBLISH', async () => {
    const r = make(old, SLOW);
    const nodes = raw(old.urls);
    const channel = `${r.options.keyPrefix}{o}:released`;
    const holder = (await r.tryAcquire('o', { ttl: 30_000 }))!;
    const waiting = r.acquire('o', { ttl: 5_000, wait: 20_000 });
    await waitFor(async () => (await subscribers(nodes, channel)).plain === 1);
    expect((await subscribers(nodes, channel)).sharded).toBe(0);
    const start = performance.now();
    expect(await holder.release()).toBe(true);
    const lock = await waiting;
    expect(performance.now() - start).toBeLessThan(1_000);
    expect(await lock.release()).toBe(true);
    await waitFor(async () => (await subscribers(nodes, channel)).plain === 0);
  });
});
