/** The shape of bench/results/latest.json (every number behind the tables). */
import type { Durations, LibName } from './config.js';
import type { Summary } from './stats.js';

export interface Meta {
  readonly date: string;
  readonly quick: boolean;
  readonly node: string;
  readonly redis: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly versions: Record<string, string>;
  readonly settings: Record<string, number>;
  readonly durations: Durations;
  readonly tenureSource: 'src' | 'dist';
  readonly git: string;
  elapsedSeconds?: number;
}

/** Scenario a: sequential acquire+release, no contention. Latencies in µs. */
export interface LatencyResult {
  readonly instances: number;
  readonly lib: LibName;
  readonly latencyMicros: Summary;
  readonly roundP50Micros: number[];
  readonly fails: number;
}

/** Scenario b: 64 loops on distinct keys. */
export interface LoopsResult {
  readonly lib: LibName;
  /** Set on Tenure's variant with `autoPipelining: true` (the plain `tenure` row has none). */
  readonly variant?: 'autoPipelining';
  readonly ops: number;
  readonly ms: number;
  readonly opsPerSec: number;
  readonly cpuMicrosPerOp: number;
  readonly fails: number;
  readonly rounds: { ops: number; ms: number; cpuMicros: number; fails: number }[];
}

/** Scenario c: 8 workers, one key. Times in ms. */
export interface ContentionResult {
  readonly processes: number;
  readonly pauseMs: number;
  readonly lib: LibName;
  readonly turns: number;
  readonly durationMs: number;
  readonly csPerSec: number;
  readonly wait: Summary;
  readonly fails: number;
  readonly releaseErrors: number;
  /** Acquisitions still waiting when the round's grace period ran out (censored waits). */
  readonly unfinished: number;
  /** Redis commands (all servers, all kinds) per critical section: attempts, releases, polls. */
  readonly commandsPerTurn: number;
  /**
   * Requests per critical section: the commands the clients sent (all servers; a script call
   * is one), counted in each client process as ioredis writes them (bench/requests.ts).
   */
  readonly requestsPerTurn: number;
  readonly violations: number;
  /** Turns of each worker in each round (rounds × workers). */
  readonly workerTurns: number[][];
  readonly minTurns: number;
  readonly maxTurns: number;
  /** Jain's index per round, averaged. */
  readonly jain: number;
  readonly cpuMicrosPerTurn: number;
  /** Every wait sample (ms, 2 decimals), for the chart. */
  readonly waits: number[];
}

/** Scenario d: one slow instance of three. Times in ms. */
export interface SlowResult {
  readonly lib: LibName;
  readonly base: { acquire: Summary; release: Summary };
  readonly slow: { acquire: Summary; release: Summary };
  readonly fails: number;
}

/** Scenario e: sequential extends of one held lock. */
export interface ExtendResult {
  readonly instances: number;
  readonly lib: LibName;
  readonly ops: number;
  readonly ms: number;
  readonly opsPerSec: number;
  readonly latencyMicros: Summary;
  readonly fails: number;
}

export interface Target {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface Results {
  readonly meta: Meta;
  latency: LatencyResult[];
  loops: LoopsResult[];
  contention: ContentionResult[];
  slow: SlowResult[];
  extend: ExtendResult[];
  targets: Target[];
}
