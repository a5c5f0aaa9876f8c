/**
 * Scenario c's workers: each takes the one lock, holds it for a 1 ms critical section
 * (a setTimeout(1)), releases it, pauses, and goes again until the round's deadline. Run
 * by the main process (one process, 8 workers) and by bench/worker.ts (4 processes × 2).
 */
import type { Adapter } from './adapters.js';
import type { LibName } from './config.js';
import { countRequests } from './requests.js';

export interface RoundSpec {
  readonly lib: LibName;
  /** The servers (their requests are counted). */
  readonly urls: readonly string[];
  readonly key: string;
  /** Workers in this process. */
  readonly workers: number;
  readonly ttl: number;
  readonly pauseMs: number;
  readonly csMs: number;
  /** Wall-clock start (Date.now), shared by every process of the round. */
  readonly startAt: number;
  readonly durationMs: number;
}

export interface WorkerResult {
  /** Critical sections entered before the deadline. */
  turns: number;
  /** Acquisitions that threw (peer gave up: retries or timeout ran out). */
  fails: number;
  /** Milliseconds from calling acquire to holding the lock, for every acquisition started before the deadline. */
  waits: number[];
  /** Milliseconds spent in acquisitions that failed. */
  failWaits: number[];
  /** Release calls that threw. */
  releaseErrors: number;
  /**
   * Acquisitions still waiting GRACE_MS after the deadline: counted in `waits` with the time
   * waited so far (a lower bound), then left to finish (and release) in the background so that
   * one stuck waiter cannot stretch the round.
   */
  unfinished: number;
}

/** How long after the deadline a round waits for acquisitions in flight. */
export const GRACE_MS = 500;

const LATE = Symbol('late');
const stragglers = new Set<Promise<unknown>>();

/** Waits (up to `ms`) for acquisitions left running by earlier rounds. */
export async function settleStragglers(ms: number): Promise<number> {
  if (stragglers.size === 0) return 0;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...stragglers]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return stragglers.size;
}

export interface ProcessResult {
  readonly workers: WorkerResult[];
  /** Times two workers of this process were inside the critical section at once. */
  readonly violations: number;
  /** Process CPU time during the round, µs (user + system). */
  readonly cpuMicros: number;
  /** Requests this process sent to the servers during the round (bench/requests.ts). */
  readonly requests: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runRound(adapter: Adapter, spec: RoundSpec): Promise<ProcessResult> {
  const deadline = spec.startAt + spec.durationMs;
  let inside = 0;
  let violations = 0;
  const until = spec.startAt - Date.now();
  if (until > 0) await sleep(until);
  const requests = countRequests(spec.urls);
  requests.start();
  const cpu0 = process.cpuUsage();
  let graceTimer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<typeof LATE>((resolve) => {
    graceTimer = setTimeout(() => resolve(LATE), deadline + GRACE_MS - Date.now());
  });

  const worker = async (): Promise<WorkerResult> => {
    const r: WorkerResult = { turns: 0, fails: 0, waits: [], failWaits: [], releaseErrors: 0, unfinished: 0 };
    while (Date.now() < deadline) {
      const t0 = performance.now();
      const acquiring = adapter.acquire(spec.key, spec.ttl);
      let held;
      try {
        held = await Promise.race([acquiring, graceOver]);
      } catch {
        r.fails++;
        r.failWaits.push(performance.now() - t0);
        continue;
      }
      if (held === LATE) {
        r.unfinished++;
        r.waits.push(performance.now() - t0);
        const late = acquiring.then((h) => h.release()).catch(() => undefined);
        stragglers.add(late);
        void late.finally(() => stragglers.delete(late));
        break;
      }
      r.waits.push(performance.now() - t0);
      const inWindow = Date.now() < deadline;
      if (++inside > 1) violations++;
      await sleep(spec.csMs);
      inside--;
      try {
        await held.release();
      } catch {
        r.releaseErrors++;
      }
      if (!inWindow) break; // acquired after the deadline: its wait counts, the turn does not
      r.turns++;
      if (spec.pauseMs > 0 && Date.now() < deadline) await sleep(spec.pauseMs);
    }
    return r;
  };

  const workers = await Promise.all(Array.from({ length: spec.workers }, () => worker()));
  clearTimeout(graceTimer);
  const cpu = process.cpuUsage(cpu0);
  const sent = requests.read().reduce((sum, n) => sum + n, 0);
  return { workers, violations, cpuMicros: cpu.user + cpu.system, requests: sent };
}

/** Messages between the main process and bench/worker.ts. */
export type ToWorker = { type: 'round'; seq: number; spec: RoundSpec } | { type: 'exit' };
export type FromWorker =
  { type: 'ready' } | { type: 'result'; seq: number; result: ProcessResult } | { type: 'error'; seq?: number; message: string };

export interface WorkerConfig {
  readonly urls: string[];
  readonly libs: LibName[];
  readonly tenureSource: 'src' | 'dist';
}
