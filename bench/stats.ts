/** Small statistics helpers: percentiles (nearest rank), summaries, Jain's fairness index. */

export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly p1: number;
  readonly p5: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const EMPTY: Summary = {
  n: 0,
  min: NaN,
  p1: NaN,
  p5: NaN,
  p25: NaN,
  p50: NaN,
  p75: NaN,
  p90: NaN,
  p95: NaN,
  p99: NaN,
  max: NaN,
  mean: NaN,
};

/** Nearest-rank percentile of an ascending array (p in [0, 100]). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return EMPTY;
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n: s.length,
    min: s[0]!,
    p1: percentile(s, 1),
    p5: percentile(s, 5),
    p25: percentile(s, 25),
    p50: percentile(s, 50),
    p75: percentile(s, 75),
    p90: percentile(s, 90),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1]!,
    mean: sum / s.length,
  };
}

/** Jain's fairness index: (Σx)² / (n·Σx²); 1 = perfectly even, 1/n = one takes all. */
export function jain(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let sum = 0;
  let sq = 0;
  for (const x of xs) {
    sum += x;
    sq += x * x;
  }
  return sq === 0 ? NaN : (sum * sum) / (xs.length * sq);
}

export function median(xs: readonly number[]): number {
  return summarize(xs).p50;
}
