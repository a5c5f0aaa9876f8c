/**
 * What the orchestrator (which is also the checker) and the worker processes say to each
 * other over the child_process IPC channel, and the one clock they both read.
 */

/** The libraries under test. */
export type LibName = 'tenure' | 'redlock5' | 'redis-semaphore';

/** Tenure options a scenario may set; everything else stays at Tenure's defaults. */
export interface TenureSettings {
  readonly restartQuarantine?: number;
  readonly commandTimeout?: number;
}

/** One worker's part of one run. */
export interface RunConfig {
  readonly lib: LibName;
  readonly tenure: TenureSettings;
  /** What the library connects to (the servers, or the proxies in front of them). */
  readonly urls: readonly string[];
  readonly resource: string;
  readonly ttl: number;
  /**
   * Each critical section holds for a time in [min, max] ms between its read and its write:
   * the same low-discrepancy sequence in every run (per worker), so that acquisitions per
   * second compare across runs without the noise of random holds.
   */
  readonly holdMs: readonly [number, number];
}

export type ToWorker =
  { type: 'start'; run: RunConfig; worker: number } | { type: 'stop' } | { type: 'reply'; req: number; counter: number } | { type: 'exit' };

export interface WorkerStats {
  /** Calls into the library that ended in an error, by error name (gave up waiting, lost the lock, ...). */
  readonly errors: Record<string, number>;
  /** Unhandled rejections and uncaught exceptions inside the worker (the library's own). */
  readonly unhandled: number;
}

export type FromWorker =
  | { type: 'ready' }
  /** Entered a critical section (the library said it holds the lock); asks for the counter. */
  | { type: 'enter'; req: number; id: number; value: string; token: string | undefined; t: number }
  /** Writes the counter (read + 1) from inside the section. */
  | { type: 'write'; req: number; id: number; counter: number }
  /** Left the section: after the write, or at `t` when the library reported the lock lost before it. */
  | { type: 'exit'; id: number; t: number; wrote: boolean; lost: boolean }
  | { type: 'stopped'; stats: WorkerStats }
  | { type: 'error'; message: string };

/**
 * Milliseconds on CLOCK_MONOTONIC (µs resolution). Unlike performance.now(), whose origin
 * is each process's start, hrtime reads the same clock in every process on the machine, so
 * sections of different workers compare without skew. (The fast-clock shim runs only in
 * redis-server, never here.)
 */
export function now(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}
