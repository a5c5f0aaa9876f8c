/**
 * Semaphore permits in one round trip, k permits all or nothing, and inspect(): on 1 and 3
 * servers; servers that disagree on which slot is free still give one slot on a quorum.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { lockKey, type Redlock } from '../../src/index.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';
import { scriptCalls } from '../helpers/stats.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let own: RedisProcess | undefined;
afterEach(async () => {
  await own?.stop();
  own = undefined;
});

describe.each([
  ['1 server', 'redis1'],
  ['3 servers', 'redis3'],
] as const)('semaphore permits on %s', (_, set) => {
  const urls = inject(set);

  it('takes k permits all or nothing; inspect shows permits held and free', async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const semA = a.semaphore('pool', { permits: 3, ttl: 10_000 });
    const semB = b.semaphore('pool', { permits: 3, ttl: 10_000 });
    const two = await semA.acquire({ permits: 2 });
    expect(two.resources).toHaveLength(2);
    expect(new Set(two.resources).size).toBe(2);
    expect(await semB.inspect()).toMatchObject({ permits: 3, held: 2, free: 1 });
    expect(await semB.tryAcquire({ permits: 2 })).toBeNull(); // one is free: not enough
    const one = await semB.tryAcquire();
    expect(one).not.toBeNull();
    const info = await semB.inspect();
    expect(info).toMatchObject({ held: 3, free: 0 });
    expect(info.holders.map((h) => h.slot).sort()).toEqual([...two.resources, ...one!.resources].sort());
    await two.release();
    expect(await semB.inspect()).toMatchObject({ held: 1, free: 2 });
    await expect(semB.acquire({ permits: 4 })).rejects.toThrow(/options\.permits.*1 to 3/);
  });

  it('never admits more than `permits` permits in all, with takers of 1 and 2 at once', async () => {
    const keyPrefix = prefix();
    let inside = 0;
    let most = 0;
    const fleet: Redlock[] = Array.from({ length: 6 }, () => redlock(urls, { keyPrefix, retryDelay: 20, retryJitter: 10 }));
    await Promise.all(
      fleet.map(async (r, n) => {
        const sem = r.semaphore('mixed', { permits: 3, ttl: 5_000 });
        const k = 1 + (n % 2);
        for (let i = 0; i < 6; i++) {
          await sem.using({ wait: 15_000, permits: k }, async () => {
            inside += k;
            most = Math.max(most, inside);
            await delay(5);
            inside -= k;
          });
        }
      }),
    );
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2);
  });
});

describe('semaphore permits', () => {
  it('cost one script call per server, whatever the number of slots held', async () => {
    own = await startRedis();
    const keyPrefix = prefix();
    const sem = redlock([own.url], { keyPrefix }).semaphore('wide', { permits: 8, ttl: 10_000 });
    for (let i = 0; i < 7; i++) await sem.acquire();
    const [c] = raw([own.url]);
    const calls = (): Promise<number> => scriptCalls(c!);
    const before = await calls();
    expect(await sem.tryAcquire()).not.toBeNull(); // the last free slot
    expect((await calls()) - before).toBe(1);
  });

  it('servers that disagree on which slot is free still give one slot on a quorum, and the rest is undone', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const servers = raw(urls);
    const slot = (i: number): string => lockKey(keyPrefix, `semaphore:split#${i}`);
    // Each server has a different slot taken (another client's votes in flight, say).
    await Promise.all([0, 1, 2].map((i) => servers[i]!.set(slot(i), `other-${i}`, 'PX', 10_000)));
    const permit = await redlock(urls, { keyPrefix }).semaphore('split', { permits: 3, ttl: 10_000 }).acquire({ wait: 5_000 });
    const key = lockKey(keyPrefix, permit.resources[0]!);
    const holding = await Promise.all(servers.map((c) => c.get(key)));
    expect(holding.filter((v) => v === permit.value).length).toBeGreaterThanOrEqual(2);
    // No server keeps this value on any other slot.
    await waitFor(async () => {
      for (const c of servers) for (const i of [0, 1, 2]) if (slot(i) !== key && (await c.get(slot(i))) === permit.value) return false;
      return true;
    });
  });
});
