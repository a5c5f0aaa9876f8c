/** The demo's overlap finder: it must see an overlap when there is one, or its "0" means nothing. */
import { describe, expect, it } from 'vitest';
import { increasing, jobIntervals, leaderIntervals, overlaps, staleWrites, type DemoRecord } from '../../src/cli/demo/analysis.js';
import type { WorkerEvent } from '../../src/cli/demo/events.js';

const ev = (worker: string, event: WorkerEvent): { worker: string; event: WorkerEvent } => ({ worker, event });
const record = (events: Array<{ worker: string; event: WorkerEvent }>, killed: Array<[string, number]> = [], end = 10_000): DemoRecord => ({
  events,
  killed: new Map(killed),
  end,
});

describe('demo analysis', () => {
  it('job turns end at release, at the end of validity (a paused holder) or at death', () => {
    const r = record(
      [
        ev('a', { t: 'acquired', at: 0, token: '1', until: 900 }),
        ev('a', { t: 'released', at: 300, token: '1' }),
        ev('b', { t: 'acquired', at: 400, token: '2', until: 1_300 }),
        ev('c', { t: 'acquired', at: 1_400, token: '3', until: 2_300 }),
        ev('c', { t: 'wrote', at: 1_500, token: '3', accepted: true, highest: '3' }),
        ev('c', { t: 'released', at: 1_500, token: '3' }),
        ev('b', { t: 'wrote', at: 2_000, token: '2', accepted: false, highest: '3' }), // b was paused
        ev('b', { t: 'released', at: 2_000, token: '2' }),
        ev('d', { t: 'acquired', at: 2_100, token: '4', until: 3_000 }),
      ],
      [['d', 2_500]],
    );
    const jobs = jobIntervals(r);
    expect(jobs.map((j) => [j.worker, j.from, j.to])).toEqual([
      ['a', 0, 300],
      ['b', 400, 1_300],
      ['c', 1_400, 1_500],
      ['d', 2_100, 2_500],
    ]);
    expect(overlaps('job', jobs)).toEqual([]);
    expect(increasing(jobs)).toBe(true);
    expect(staleWrites(r)).toEqual([{ worker: 'b', at: 2_000, token: 2n, highest: 3n }]);
  });

  it('finds two holders at once, and tokens that do not grow', () => {
    const r = record([
      ev('a', { t: 'acquired', at: 0, token: '5', until: 1_000 }),
      ev('b', { t: 'acquired', at: 500, token: '4', until: 1_500 }),
      ev('a', { t: 'released', at: 700, token: '5' }),
      ev('b', { t: 'released', at: 800, token: '4' }),
    ]);
    const found = overlaps('job', jobIntervals(r));
    expect(found).toHaveLength(1);
    expect([found[0]!.first.worker, found[0]!.second.worker]).toEqual(['a', 'b']);
    expect(increasing(jobIntervals(r))).toBe(false);
  });

  it('leadership ends at demotion, at death, or at the end; two leaders at once are an overlap', () => {
    const clean = record(
      [
        ev('a', { t: 'elected', at: 100, term: '1' }),
        ev('b', { t: 'elected', at: 2_000, term: '2' }), // a was killed at 500: its lease ran out first
        ev('b', { t: 'demoted', at: 3_000, term: '2', reason: 'resigned' }),
        ev('c', { t: 'elected', at: 3_010, term: '3' }),
      ],
      [['a', 500]],
    );
    expect(leaderIntervals(clean).map((t) => [t.worker, t.from, t.to])).toEqual([
      ['a', 100, 500],
      ['b', 2_000, 3_000],
      ['c', 3_010, 10_000],
    ]);
    expect(overlaps('leadership', leaderIntervals(clean))).toEqual([]);

    const split = record([ev('a', { t: 'elected', at: 100, term: '1' }), ev('b', { t: 'elected', at: 200, term: '2' })]);
    expect(overlaps('leadership', leaderIntervals(split))).toHaveLength(1);
  });
});
