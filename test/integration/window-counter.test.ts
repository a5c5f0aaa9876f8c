/**
 * redlock.windowCounter(name, { window, limit? }): counts per fixed window shared by
 * separate Redlocks, a limit that refuses, windows that end, and input checks.
 */
import { describe, expect, inject, it } from 'vitest';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const LONG = 2_147_483_647; // ~24.8 days: no window boundary inside a test

describe.each([
  ['1 instance', 'redis1'],
  ['3 instances', 'redis3'],
] as const)('window counter on %s', (_, set) => {
  const urls = inject(set);

  it('counts adds from separate Redlocks in one window, exactly', async () => {
    const keyPrefix = prefix();
    const counters = Array.from({ length: 4 }, () => redlock(urls, { keyPrefix }).windowCounter('requests', { window: LONG }));
    expect(await counters[0]!.add()).toBe(1);
    expect(await counters[1]!.add(4)).toBe(5);
    await Promise.all(
      counters.map(async (c) => {
        for (let i = 0; i < 25; i++) await c.add();
      }),
    );
    expect(await counters[2]!.add()).toBe(106);
  });

  it('with a limit, refuses what would pass it and says how long until the window resets', async () => {
    const c = redlock(urls).windowCounter('api', { window: LONG, limit: 3 });
    expect(await c.add()).toMatchObject({ allowed: true, count: 1, remaining: 2 });
    expect(await c.add(2)).toMatchObject({ allowed: true, count: 3, remaining: 0 });
    const refused = await c.add();
    expect(refused).toMatchObject({ allowed: false, count: 3, remaining: 0 });
    expect(refused.resetMs).toBeGreaterThan(0);
    expect(refused.resetMs).toBeLessThanOrEqual(LONG);
    expect(await c.add(5)).toMatchObject({ allowed: false, count: 3 });
  });

  it('the key expires with its window, and the next window starts from zero', async () => {
    const keyPrefix = prefix();
    const c = redlock(urls, { keyPrefix }).windowCounter('short', { window: 200 });
    expect(await c.add(3)).toBeGreaterThanOrEqual(3);
    const clients = raw(urls);
    // A key without an expiry would answer -1 for ever; the window's key is gone (-2) soon.
    await waitFor(async () => (await Promise.all(clients.map((r) => r.pttl(`${keyPrefix}{window:short}`)))).every((t) => t === -2), {
      timeout: 2_000,
      interval: 20,
    });
    expect(await c.add()).toBe(1);
  });
});

describe('window counter on 3 instances whose counts drifted apart', () => {
  it('an add is allowed when a quorum counted it, whichever answers first', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const clients = raw(urls);
    const [secs] = await clients[0]!.time();
    const now = Number(secs) * 1000;
    const start = now - (now % LONG);
    // Two servers at 9, one at 10 (it counted an add the others missed); the limit is 10.
    const counts = [9, 10, 9];
    await Promise.all(clients.map((c, i) => c.hset(`${keyPrefix}{window:api}`, 'start', String(start), 'count', String(counts[i]))));
    for (let round = 0; round < 5; round++) {
      await Promise.all(clients.map((c, i) => c.hset(`${keyPrefix}{window:api}`, 'count', String(counts[i]))));
      const verdict = await redlock(urls, { keyPrefix }).windowCounter('api', { window: LONG, limit: 10 }).add();
      expect(verdict).toMatchObject({ allowed: true, count: 10, remaining: 0 });
    }
  });
});

describe('window counter input', () => {
  it('rejects bad names, options and amounts before any network call', async () => {
    const r = redlock(inject('redis1'));
    expect(() => r.windowCounter('', { window: 1_000 })).toThrow(/`name`/);
    expect(() => r.windowCounter('w', { window: 0 })).toThrow(/options\.window/);
    expect(() => r.windowCounter('w', {} as { window: number })).toThrow(/options\.window/);
    expect(() => r.windowCounter('w', { window: 1_000, limit: 0 })).toThrow(/options\.limit/);
    expect(() => r.windowCounter('w', { window: 1_000, limit: 2.5 })).toThrow(TypeError);
    const c = r.windowCounter('w', { window: 1_000 });
    await expect(c.add(0)).rejects.toThrow(/`n`/);
    await expect(c.add(1.5)).rejects.toThrow(RangeError);
    await expect(c.add(2 ** 60)).rejects.toThrow(/`n`/);
  });
});
