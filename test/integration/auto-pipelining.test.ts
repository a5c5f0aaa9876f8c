/**
 * `autoPipelining`: ioredis auto-pipelining on the connections Tenure opens. Validated by
 * name; commands of one tick reach the server in one batch; locks stay correct under 64
 * concurrent loops on 1 and 3 instances; a borrowed client keeps its own setting.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULTS, Redlock, type Lock } from '../../src/index.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { defer, raw, redlock } from '../helpers/tenure.js';

describe('the option', () => {
  const urls = inject('redis1');

  it('defaults to false, and anything but a boolean is a TypeError naming options.autoPipelining', () => {
    expect(DEFAULTS.autoPipelining).toBe(false);
    expect(redlock(urls).options.autoPipelining).toBe(false);
    expect(redlock(urls, { autoPipelining: true }).options.autoPipelining).toBe(true);
    for (const bad of ['yes', 1, null, {}]) {
      expect(() => new Redlock(urls, { autoPipelining: bad as never })).toThrow(TypeError);
      expect(() => new Redlock(urls, { autoPipelining: bad as never })).toThrow(/options\.autoPipelining.*boolean/);
    }
    expect(() => new Redlock(urls, { autoPipelining: 'yes' as never })).toThrow(/"yes" \(string\)/);
  });

  it('a borrowed client keeps its own setting', async () => {
    const client = new Redis(urls[0]!);
    defer(() => client.disconnect());
    const borrowed = new Redlock([client], { autoPipelining: true });
    defer(() => borrowed.close());
    await (await borrowed.tryAcquire('own', { ttl: 1_000 }))!.release();
    expect(client.options.enableAutoPipelining).toBe(false);
  });
});

describe('one batch per tick', () => {
  let server: RedisProcess;
  beforeAll(async () => {
    server = await startRedis(); // its own server: its read counter is this test's alone
  });
  afterAll(() => server?.stop());

  /** Reads the server did (INFO stats), and the EVALSHA calls it ran. */
  async function counters(admin: Redis): Promise<{ reads: number; calls: number }> {
    const stats = await admin.info('stats');
    const commands = await admin.info('commandstats');
    return {
      reads: Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]),
      calls: Number(/cmdstat_evalsha:calls=(\d+)/.exec(commands)?.[1] ?? 0),
    };
  }

  it('64 attempts issued in one tick reach the server in a few reads, not 64', async () => {
    const [admin] = raw([server.url]);
    const r = redlock([server.url], { autoPipelining: true });
    await (await r.tryAcquire('warm', { ttl: 1_000 }))!.release(); // loads the scripts (EVAL once)
    const before = await counters(admin!);
    const locks = await Promise.all(Array.from({ length: 64 }, (_, i) => r.tryAcquire(`k${i}`, { ttl: 5_000 })));
    const after = await counters(admin!);
    expect(locks.every((l) => l?.isHeld)).toBe(true);
    expect(after.calls - before.calls).toBe(64);
    // Without auto-pipelining this is 40 to 64 reads: one write per command.
    expect(after.reads - before.reads).toBeLessThanOrEqual(8);
  });
});

describe.each([1, 3] as const)('auto-pipelining on %i instance(s)', (n) => {
  const urls = inject(n === 1 ? 'redis1' : 'redis3');

  it('64 concurrent acquire/release loops on distinct keys', async () => {
    const r = redlock(urls, { autoPipelining: true });
    const released = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        let count = 0;
        for (let turn = 0; turn < 20; turn++) {
          const lock = await r.acquire(`d${i}`, { ttl: 5_000, wait: 5_000 });
          expect(lock.isHeld).toBe(true);
          if (await lock.release()) count++;
        }
        return count;
      }),
    );
    expect(released).toEqual(Array.from({ length: 64 }, () => 20));
    for (const client of raw(urls)) expect(await client.keys(`${r.options.keyPrefix}*`)).toEqual([]);
  });

  it('64 loops contending four to a key never overlap', async () => {
    const r = redlock(urls, { autoPipelining: true });
    const inside = new Array<number>(16).fill(0);
    let overlaps = 0;
    let turns = 0;
    await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const key = i % 16;
        for (let turn = 0; turn < 5; turn++) {
          const lock: Lock = await r.acquire(`c${key}`, { ttl: 5_000, wait: 15_000 });
          if (++inside[key]! > 1) overlaps++;
          await new Promise((resolve) => setImmediate(resolve));
          inside[key]!--;
          turns++;
          await lock.release();
        }
      }),
    );
    expect(overlaps).toBe(0);
    expect(turns).toBe(320);
  });
});
