/**
 * What the benchmark runs and for how long. `BENCH_QUICK=1` shrinks every round for a
 * smoke run (~40 s); the full run stays under ~4 minutes on 2 cores.
 */

export const QUICK = process.env['BENCH_QUICK'] === '1';

/** Every library under test, in the order rounds are interleaved (A B C … A B C …). */
export const LIBS = ['tenure', 'redlock5', 'redlock4', 'redis-semaphore', 'raw'] as const;
export type LibName = (typeof LIBS)[number];

/** The peers Tenure is compared with (not the raw floor). */
export const PEERS: readonly LibName[] = ['redlock5', 'redlock4', 'redis-semaphore'];

export const LABELS: Record<LibName, string> = {
  tenure: 'tenure',
  redlock5: 'node-redlock 5.0.0-beta.2',
  redlock4: 'node-redlock 4.2.0',
  'redis-semaphore': 'redis-semaphore 5.8.0',
  raw: 'raw floor (ioredis, no library)',
};

/**
 * The settings every library gets. Tenure's defaults are retryDelay 100 + jitter uniform in
 * [0, 50); node-redlock's jitter is ±retryJitter around retryDelay, so 125 ± 25 gives the
 * same [100, 150] window. redis-semaphore has no jitter: it gets a fixed 100 ms (its
 * shortest equivalent, which if anything favours it).
 */
export const SETTINGS = {
  /** Lock ttl (ms) in every scenario. */
  ttl: 10_000,
  /** How long an acquire may wait (Tenure's `wait`; peers get enough retries to match). */
  wait: 10_000,
  retryDelay: 100,
  retryJitter: 50,
} as const;

export interface Durations {
  /** Rounds of every scenario except contention: each library runs once per rep. */
  readonly reps: number;
  /** Scenario a: one library's round of sequential acquire+release, per instance count; and how many reps (short and many, against drift). */
  readonly latencyRoundMs: number;
  readonly latencyReps: number;
  /** Scenario b: one round of 64 concurrent loops. */
  readonly loopsRoundMs: number;
  /** Scenario c: one round of 8 workers on one key; and how many reps of each config. */
  readonly contentionRoundMs: number;
  readonly contentionReps: number;
  /** Scenario d: one round of sequential acquire+release through the proxies. */
  readonly slowRoundMs: number;
  /** Scenario e: one round of sequential extends. */
  readonly extendRoundMs: number;
  /** Warm-up per library and connection set before measuring. */
  readonly warmMs: number;
}

export const DURATIONS: Durations = QUICK
  ? {
      reps: 2,
      latencyRoundMs: 150,
      latencyReps: 2,
      loopsRoundMs: 300,
      contentionRoundMs: 800,
      contentionReps: 1,
      slowRoundMs: 200,
      extendRoundMs: 150,
      warmMs: 100,
    }
  : {
      reps: 3,
      latencyRoundMs: 200,
      latencyReps: 8,
      loopsRoundMs: 1000,
      contentionRoundMs: 2500,
      contentionReps: 2,
      slowRoundMs: 1000,
      extendRoundMs: 350,
      warmMs: 300,
    };

/** Scenario b. */
export const LOOPS = 64;
/** Scenario c. */
export const CONTENTION = { workers: 8, processes: 4, csMs: 1, pauses: [0, 10] as const, instances: 3 };
/** Scenario d: extra latency (ms, each direction) on one proxy of three. */
export const SLOW_MS = 20;
/** Scenario "held": how many locks each round holds, and for how long. */
export const HELD: { readonly counts: readonly number[]; readonly holdMs: number } = QUICK
  ? { counts: [100, 1_000], holdMs: 2_000 }
  : { counts: [100, 1_000, 10_000], holdMs: 10_000 };
