/** The fault suite's instrument: overlaps, lost updates and token order, on made-up sections. */
import { describe, expect, it } from 'vitest';
import { Checker, analyze, type SectionRecord } from '../../chaos/checker.js';

function section(worker: number, enter: number, exit: number | undefined, token?: number, wrote = true): SectionRecord {
  return {
    worker,
    id: enter,
    value: `v${worker}:${enter}`,
    token: token === undefined ? undefined : BigInt(token),
    enter,
    exit,
    wrote,
    lost: false,
  };
}

describe('chaos checker', () => {
  it('hand-offs without a shared instant are no overlap; any shared instant is one', () => {
    const clean = analyze([section(0, 0, 10, 1), section(1, 10.001, 20, 2), section(0, 20.5, 30, 3)], 3, 40);
    expect(clean.overlaps).toEqual([]);
    expect(clean.tokenViolations).toBe(0);
    const touching = analyze([section(0, 0, 10), section(1, 10, 20)], 2, 40);
    expect(touching.overlaps).toHaveLength(1);
  });

  it('counts every pair of intersecting sections of different workers, with the shared interval', () => {
    const v = analyze([section(0, 0, 100), section(1, 10, 20), section(2, 15, 30), section(0, 101, 110)], 4, 200);
    expect(v.overlaps.map((o) => [o.a, o.b, o.start, o.end])).toEqual([
      [0, 1, 10, 20],
      [0, 2, 15, 30],
      [1, 2, 15, 20],
    ]);
  });

  it('a section still open at the end runs to the end', () => {
    const v = analyze([section(0, 0, undefined), section(1, 50, 60)], 2, 100);
    expect(v.overlaps).toHaveLength(1);
    expect(v.unclosed).toBe(1);
  });

  it('lost updates: writes the counter does not show', () => {
    const c = new Checker();
    const a = c.enter(0, 1, 'a', undefined, 0);
    const b = c.enter(1, 1, 'b', undefined, 1); // reads the same counter: an overlap
    c.write(0, 1, a + 1);
    c.write(1, 1, b + 1);
    c.exit(0, 1, 2, false);
    c.exit(1, 1, 3, false);
    const v = c.verdict(10);
    expect([v.writes, v.counter, v.lostUpdates, v.overlaps.length]).toEqual([2, 1, 1, 1]);
  });

  it('tokens must strictly increase in entry order; peers without tokens get no verdict', () => {
    expect(analyze([section(0, 0, 1, 5), section(1, 2, 3, 5), section(2, 4, 5, 4)], 3, 10).tokenViolations).toBe(2);
    expect(analyze([section(0, 0, 1, 5), section(1, 2, 3, undefined)], 2, 10).tokenViolations).toBe(1);
    expect(analyze([section(0, 0, 1), section(1, 2, 3)], 2, 10).tokenViolations).toBeUndefined();
  });
});
