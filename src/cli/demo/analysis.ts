/**
 * What the demo found, from the workers' own reports: who held the job lock and who led,
 * when; whether any two of those intervals overlap (they must not); which stale writes the
 * fenced store rejected. All processes run on one machine, so their wall clocks agree.
 */
import type { WorkerEvent } from './events.js';

export interface Interval {
  readonly worker: string;
  readonly from: number;
  readonly to: number;
  /** The job lock's fencing token, or the leadership's term. */
  readonly token: bigint;
}

export interface DemoRecord {
  /** Every event, in the order the demo received them, with the worker's name. */
  readonly events: ReadonlyArray<{ readonly worker: string; readonly event: WorkerEvent }>;
  /** Workers SIGKILLed, and when. */
  readonly killed: ReadonlyMap<string, number>;
  /** When the demo ended (workers still leading or holding were stopped then). */
  readonly end: number;
}

export interface Overlap {
  readonly kind: 'job' | 'leadership';
  readonly first: Interval;
  readonly second: Interval;
}

/** Turns at the job lock: from acquisition to release, or to the end of validity, or death. */
export function jobIntervals(r: DemoRecord): Interval[] {
  const out: Interval[] = [];
  const open = new Map<string, { from: number; until: number; token: bigint }>();
  const close = (worker: string, at: number): void => {
    const o = open.get(worker);
    if (o === undefined) return;
    open.delete(worker);
    out.push({ worker, from: o.from, to: Math.min(at, o.until), token: o.token });
  };
  for (const { worker, event: e } of r.events) {
    if (e.t === 'acquired') {
      close(worker, e.at);
      open.set(worker, { from: e.at, until: e.until, token: BigInt(e.token) });
    } else if (e.t === 'released') close(worker, e.at);
  }
  for (const worker of [...open.keys()]) close(worker, r.killed.get(worker) ?? r.end);
  return out.sort((a, b) => a.from - b.from);
}

/** Terms of leadership: from election to demotion (or death, or the end of the demo). */
export function leaderIntervals(r: DemoRecord): Interval[] {
  const out: Interval[] = [];
  const open = new Map<string, { from: number; token: bigint }>();
  for (const { worker, event: e } of r.events) {
    if (e.t === 'elected') open.set(worker, { from: e.at, token: BigInt(e.term) });
    else if (e.t === 'demoted') {
      const o = open.get(worker);
      if (o !== undefined) out.push({ worker, from: o.from, to: e.at, token: o.token });
      open.delete(worker);
    }
  }
  for (const [worker, o] of open) out.push({ worker, from: o.from, to: r.killed.get(worker) ?? r.end, token: o.token });
  return out.sort((a, b) => a.from - b.from);
}

/** Pairs of intervals of different workers that overlap in time. */
export function overlaps(kind: Overlap['kind'], intervals: readonly Interval[]): Overlap[] {
  const found: Overlap[] = [];
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j]!.from < sorted[i]!.to; j++) {
      if (sorted[j]!.worker !== sorted[i]!.worker) found.push({ kind, first: sorted[i]!, second: sorted[j]! });
    }
  }
  return found;
}

/** Whether tokens grow strictly in the order the intervals began. */
export function increasing(intervals: readonly Interval[]): boolean {
  return intervals.every((iv, i) => i === 0 || iv.token > intervals[i - 1]!.token);
}

export interface StaleWrite {
  readonly worker: string;
  readonly at: number;
  readonly token: bigint;
  readonly highest: bigint;
}

/** Writes the fenced store refused: a newer holder had written with a larger token. */
export function staleWrites(r: DemoRecord): StaleWrite[] {
  return r.events.flatMap(({ worker, event: e }) =>
    e.t === 'wrote' && !e.accepted ? [{ worker, at: e.at, token: BigInt(e.token), highest: BigInt(e.highest) }] : [],
  );
}
