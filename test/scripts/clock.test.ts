/**
 * acquire.lua's and extend.lua's `clock` flag against a real server: the server's TIME is read
 * only when the client's clock watch asks (core/monitor.ts CLOCK_EVERY) — or when the script
 * needs the clock anyway (a waiting line, a restart quarantine) — and the reply says 0 when
 * it was not read.
 */
import { inject, describe, expect, it } from 'vitest';
import { lockKey, markerKey, queueKeys } from '../../src/keys.js';
import type { Invocation } from '../../src/core/scripts.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { prefix, raw } from '../helpers/tenure.js';

/** Runs a generated script call with EVAL. */
async function run(c: ReturnType<typeof raw>[number], call: Invocation): Promise<unknown[]> {
  return (await c.eval(call.script.source, call.numKeys, ...call.keysAndArgs)) as unknown[];
}

/** A plausible server clock in µs (after 2020, before 2100). */
function isClock(v: unknown): boolean {
  return typeof v === 'number' && v > 1.5e15 && v < 4.2e15;
}

const NO_LINE = { fence: [], queue: [], alive: [] };

describe('the clock flag', () => {
  it('acquire reads TIME only when asked: 0 otherwise, held or free', async () => {
    const [c] = raw(inject('redis1'));
    const p = prefix();
    const args = { ttl: 5_000, fence: false, quarantine: 0, marked: false };
    const free = await run(c!, lua.acquire({ lock: [lockKey(p, 'a')], ...NO_LINE }, { value: 'v1', ...args, clock: false }));
    expect(free).toEqual([1, '', 0]);
    const held = await run(c!, lua.acquire({ lock: [lockKey(p, 'a')], ...NO_LINE }, { value: 'v2', ...args, clock: false }));
    expect(held.slice(0, 1).concat(held.slice(2))).toEqual([0, 0, 'v1']);
    const asked = await run(c!, lua.acquire({ lock: [lockKey(p, 'b')], ...NO_LINE }, { value: 'v3', ...args, clock: true }));
    expect(asked[0]).toBe(1);
    expect(isClock(asked[2])).toBe(true);
  });

  it('a refused waiter is put in line by the server clock even when not asked for it (and says so)', async () => {
    const [c] = raw(inject('redis1'));
    const p = prefix();
    const [queue, alive] = queueKeys(p, 'a');
    await c!.set(lockKey(p, 'a'), 'holder', 'PX', 5_000);
    const reply = await run(
      c!,
      lua.acquire(
        { lock: [lockKey(p, 'a')], fence: [], queue: [queue], alive: [alive] },
        { value: 'v', ttl: 5_000, fence: false, quarantine: 0, marked: false, clock: false, claim: '~c', place: 1, claimTtl: 1_000 },
      ),
    );
    expect(reply[0]).toBe(0);
    expect(isClock(reply[2])).toBe(true);
    const lapses = Number(await c!.zscore(alive, '~c'));
    expect(Math.abs(lapses - (Number(reply[2]) / 1000 + 1_000))).toBeLessThan(2);
  });

  it('a restart quarantine reads the clock whatever the flag', async () => {
    const [c] = raw(inject('redis1'));
    const p = prefix();
    const marker = markerKey(p);
    const reply = await run(
      c!,
      lua.acquire(
        { lock: [lockKey(p, 'q')], ...NO_LINE, marker },
        { value: 'v', ttl: 5_000, fence: false, quarantine: 60_000, marked: true, clock: false },
      ),
    );
    expect(reply[0]).toBe(2); // a new marker: quarantined
    expect(isClock(reply[2])).toBe(true);
    expect(Math.abs(Number(await c!.get(marker)) - Number(reply[2]) / 1000)).toBeLessThan(2);
  });

  it('extend reads TIME only when asked, and extends either way', async () => {
    const [c] = raw(inject('redis1'));
    const p = prefix();
    const key = lockKey(p, 'e');
    await c!.set(key, 'v', 'PX', 1_000);
    // (One key held, no clock asked: the common case answers a plain 1.)
    expect(await run(c!, lua.extend({ lock: [key] }, { value: 'v', ttl: 9_000, cover: false, clock: false }))).toBe(1);
    expect(await c!.pttl(key)).toBeGreaterThan(8_000);
    const asked = await run(c!, lua.extend({ lock: [key] }, { value: 'v', ttl: 9_000, cover: false, clock: true }));
    expect(asked[0]).toBe(1);
    expect(isClock(asked[1])).toBe(true);
    expect(await run(c!, lua.extend({ lock: [key] }, { value: 'other', ttl: 9_000, cover: false, clock: false }))).toEqual([0, 0]);
  });
});
