/** The clock watch on synthetic samples: no redis-server, no timing. */
import { describe, expect, it } from 'vitest';
import { ClockWatch, RECOVER } from '../../src/core/clock.js';

/** Samples every `step` ms of our clock, the server's clock at `rate` (µs), with `rtt` ms round trips. */
function feed(watch: ClockWatch, from: number, to: number, opts: { step?: number; rate?: number; rtt?: number; offset?: number } = {}) {
  const { step = 50, rate = 1, rtt = 2, offset = 1e15 } = opts;
  const verdicts = [];
  for (let t = from; t <= to; t += step) {
    const v = watch.sample(t, t + rtt, offset + (t + rtt / 2) * rate * 1000);
    if (v) verdicts.push({ at: t, ...v });
  }
  return verdicts;
}

describe('ClockWatch', () => {
  it('never suspects a clock at our rate, whatever the round trips', () => {
    const w = new ClockWatch(0.01);
    expect(feed(w, 0, 120_000, { rtt: 40 })).toEqual([]);
    expect(w.suspect).toBe(false);
  });

  it('suspects a 3× fast clock within the first spaced pair of samples, and a 3× slow one', () => {
    for (const rate of [3, 1 / 3]) {
      const w = new ClockWatch(0.01);
      const verdicts = feed(w, 0, 1_000, { rate });
      expect(verdicts[0]).toMatchObject({ suspect: true });
      expect(verdicts[0]!.at).toBeLessThanOrEqual(200);
      expect(w.suspect).toBe(true);
    }
  });

  it('tells a 2% drift over a long window, but not 0.5%', () => {
    const fast = new ClockWatch(0.01);
    expect(feed(fast, 0, 60_000, { rate: 1.02, step: 500 }).some((v) => v.suspect)).toBe(true);
    const fine = new ClockWatch(0.01);
    expect(feed(fine, 0, 60_000, { rate: 1.005, step: 500 })).toEqual([]);
  });

  it('suspects a jump (forward or back), then trusts the clock again once it behaved for a while', () => {
    for (const jump of [500_000, -500_000]) {
      const w = new ClockWatch(0.01);
      feed(w, 0, 5_000);
      const v = w.sample(5_050, 5_052, 1e15 + 5_051_000 + jump);
      expect(v).toMatchObject({ suspect: true });
      const after = feed(w, 5_100, 5_100 + RECOVER + 1_000, { offset: 1e15 + jump });
      expect(after).toEqual([{ at: expect.any(Number) as number, suspect: false }]);
      expect(after[0]!.at).toBeGreaterThanOrEqual(5_050 + RECOVER);
      expect(w.suspect).toBe(false);
    }
  });
});
