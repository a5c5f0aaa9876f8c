/** Hand-off by release notification: waiters wake on the release, not after a retry delay. */
import { describe, expect, inject, it } from 'vitest';
import { lockKey, releaseChannel, type Lock } from '../../src/index.js';
import { BORROWED, useClients, type Kind } from '../helpers/kinds.js';
import { startRedisSet } from '../helpers/redis-server.js';
import { commandCalls } from '../helpers/stats.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

async function subscribers(urls: readonly string[], channel: string): Promise<number[]> {
  const clients = raw(urls);
  return Promise.all(clients.map(async (c) => Number(((await c.pubsub('NUMSUB', channel)) as [string, number])[1])));
}

const cases: Array<[Kind, 1 | 3]> = [['url', 1], ['url', 3], ...BORROWED.map((k): [Kind, 3] => [k, 3])];

describe.each(cases)('hand-off (%s) on %i instance(s)', (kind, n) => {
  const urls = inject(n === 1 ? 'redis1' : 'redis3');
  const endpoints = useClients(kind, () => urls);

  it('a waiter takes the lock on release, long before its retry delay', async () => {
    const a = redlock(endpoints());
    const holder = (await a.tryAcquire('h', { ttl: 30_000 }))!;
    const start = performance.now();
    const waiting = a.acquire('h', { ttl: 5_000, wait: 20_000, retryDelay: 10_000, retryJitter: 0 });
    const channel = `${a.options.keyPrefix}{h}:released`;
    await waitFor(async () => (await subscribers(urls, channel)).some((x) => x > 0));
    await holder.release();
    const lock = await waiting;
    expect(lock.isHeld).toBe(true);
    expect(performance.now() - start).toBeLessThan(5_000); // polling would take 10 s
    // Nobody waits any more: the subscription is gone everywhere.
    await waitFor(async () => (await subscribers(urls, channel)).every((x) => x === 0));
  });

  it('eight waiters take turns, never overlapping, each hand-off woken by the release', async () => {
    const a = redlock(endpoints());
    const b = redlock(endpoints(), { keyPrefix: a.options.keyPrefix }); // a second client: wake-ups cross connections
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const r = i % 2 === 0 ? a : b;
        for (let turn = 0; turn < 3; turn++) {
          const lock: Lock = await r.acquire('turns', { ttl: 5_000, wait: 30_000, retryDelay: 10_000 });
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside--;
          order.push(i);
          await lock.release();
        }
      }),
    );
    expect(maxInside).toBe(1);
    expect(order).toHaveLength(24);
    // 24 hand-offs with a 10 s retry delay: only wake-ups make this finish quickly.
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it('aborting a waiter removes its subscription', async () => {
    const a = redlock(endpoints());
    await a.tryAcquire('ab', { ttl: 30_000 });
    const controller = new AbortController();
    const waiting = a.acquire('ab', { ttl: 1_000, wait: 20_000, signal: controller.signal }).catch((e: unknown) => e);
    const channel = `${a.options.keyPrefix}{ab}:released`;
    await waitFor(async () => (await subscribers(urls, channel)).some((x) => x > 0));
    controller.abort();
    expect(await waiting).toMatchObject({ name: 'AbortError' });
    await waitFor(async () => (await subscribers(urls, channel)).every((x) => x === 0));
  });

  it('a multi-resource waiter wakes when any of its resources is released', async () => {
    const a = redlock(endpoints());
    const holder = (await a.tryAcquire('m2', { ttl: 30_000 }))!;
    const waiting = a.acquire(['m1', 'm2'], { ttl: 5_000, wait: 20_000, retryDelay: 10_000, retryJitter: 0 });
    await waitFor(async () => (await subscribers(urls, `${a.options.keyPrefix}{m2}:released`)).some((x) => x > 0));
    const start = performance.now();
    await holder.release();
    const lock = await waiting;
    expect(lock.resources).toEqual(['m1', 'm2']);
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});

describe('the release subscription under steady contention', () => {
  it('lingers a moment after the last waiter, so a lock taken again and again subscribes once, not per acquire', async () => {
    const set = await startRedisSet(1);
    try {
      const [server] = raw(set.urls);
      const keyPrefix = prefix();
      const a = redlock(set.urls, { keyPrefix });
      const b = redlock(set.urls, { keyPrefix });
      const channel = `${a.options.keyPrefix}{busy}:released`;
      // Two processes' worth of contenders take turns, each wait subscribing `b` anew.
      for (let i = 0; i < 8; i++) {
        const held = (await a.tryAcquire('busy', { ttl: 5_000 }))!;
        const waiting = b.acquire('busy', { ttl: 5_000, wait: 5_000 });
        await waitFor(async () => (await subscribers(set.urls, channel))[0] === 1);
        await held.release();
        await (await waiting).release();
      }
      const calls = await commandCalls(server!);
      expect(calls.subscribe).toBe(1);
      expect(calls.unsubscribe ?? 0).toBe(0);
      // Nobody waits any more: it goes, after the linger.
      await waitFor(async () => (await subscribers(set.urls, channel))[0] === 0, { timeout: 3_000 });
    } finally {
      await set.stop();
    }
  });
});

describe('a release heard from one server before the others have run it', () => {
  it('the waiter refused by the lock it heard released tries again shortly, not after its retry delay', async () => {
    const set = await startRedisSet(3);
    const proxies: TcpProxy[] = [];
    try {
      const [a, b, c] = set.urls as [string, string, string];
      const via = async (url: string): Promise<string> => {
        const p = await startProxy({ port: Number(new URL(url).port) });
        proxies.push(p);
        return p.url;
      };
      const keyPrefix = prefix();
      // The holder reaches B and C through proxies (its release gets there late); the
      // waiter reaches A through one (it hears A's release message late, and A's answer).
      const [holderB, holderC, waiterA] = [await via(b), await via(c), await via(a)];
      const holder = redlock([a, holderB, holderC], { keyPrefix });
      const waiter = redlock([waiterA, b, c], { keyPrefix, retryDelay: 30_000, retryJitter: 0 });
      const key = lockKey(keyPrefix, 'job');
      const lock = await holder.acquire('job', { ttl: 60_000 });
      const servers = raw(set.urls);
      await waitFor(async () => (await Promise.all(servers.map((s) => s.get(key)))).every((v) => v === lock.value));
      const started = performance.now();
      const waiting = waiter.acquire('job', { ttl: 5_000, wait: 20_000 });
      const channel = releaseChannel(keyPrefix, 'job');
      await waitFor(async () => (await subscribers(set.urls, channel)).every((x) => x === 1));
      proxies[0]!.setLatency(300);
      proxies[1]!.setLatency(300);
      proxies[2]!.setLatency(100);
      // A runs the release at once and publishes; the waiter hears it 100 ms later and tries:
      // B and C still hold the lock (their release is 300 ms away), A's answer is late. Their
      // own release messages then look like copies of the one already heard.
      await lock.release();
      const won = await waiting;
      expect(won.isHeld).toBe(true);
      expect(performance.now() - started).toBeLessThan(10_000); // its retry delay is 30 s, its wait 20 s
      await won.release();
    } finally {
      for (const p of proxies) await p.close();
      await set.stop();
    }
  });
});
