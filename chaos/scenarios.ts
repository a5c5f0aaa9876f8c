/**
 * The scenarios: a fault, an instance count, a ttl, and the contenders. Each family has a
 * full version (`npm run chaos`) and a short one (test/chaos, Tenure alone, N = 3).
 */
import type { LibName, TenureSettings } from './protocol.js';

export type Fault =
  | { readonly kind: 'none' }
  /** SIGKILL a server the current holder holds, restart it empty: every `every` ms, while a lock is held. */
  | { readonly kind: 'restart'; readonly every: number }
  /** One server after another (round robin) SIGKILLed and restarted empty, every min–max ms, held or not. */
  | { readonly kind: 'rolling'; readonly min: number; readonly max: number }
  /** FLUSHALL on a server the current holder holds, every `every` ms. */
  | { readonly kind: 'flushall'; readonly every: number }
  /** Server 1's clocks run `rate` times real time (LD_PRELOAD shim), all run long. */
  | { readonly kind: 'fast-clock'; readonly rate: number }
  /** Server 1 has maxmemory and `policy`; while the holder holds it, a burst of cache keys is written to it, every `every` ms. */
  | { readonly kind: 'eviction'; readonly policy: 'volatile-ttl' | 'allkeys-random'; readonly every: number }
  /** A server the holder holds is SIGSTOPped for `ms`, then SIGCONTinued, every `every` ms. */
  | { readonly kind: 'stall'; readonly every: number; readonly ms: number }
  /** The proxy in front of a server the holder holds drops all traffic for `ms`, then resets its connections, every `every` ms. */
  | { readonly kind: 'blackhole'; readonly every: number; readonly ms: number };

export interface Contender {
  /** Column and file label: tenure, tenure+quarantine, redlock5, redis-semaphore. */
  readonly id: string;
  readonly lib: LibName;
  readonly tenure: TenureSettings;
}

export interface Scenario {
  /** e.g. empty-restart-n3 */
  readonly id: string;
  readonly family: Family;
  readonly title: string;
  readonly n: number;
  readonly ttl: number;
  readonly durationMs: number;
  /** When the first fault may fire, ms into the run. */
  readonly firstFaultMs: number;
  readonly fault: Fault;
  readonly contenders: readonly Contender[];
}

export const FAMILIES = [
  'baseline',
  'empty-restart',
  'rolling-restart',
  'flushall',
  'fast-clock',
  'eviction-volatile-ttl',
  'eviction-allkeys-random',
  'stall',
  'blackhole',
] as const;
export type Family = (typeof FAMILIES)[number];

export const LABELS: Record<LibName, string> = {
  tenure: 'tenure',
  redlock5: 'node-redlock 5.0.0-beta.2',
  'redis-semaphore': 'redis-semaphore 5.8.0',
};

/** Worker processes contending on the key. */
export const WORKERS = 5;
/** Each section holds between its read and its write for a uniform time in this range (ms). */
export const HOLD_MS = [100, 1000] as const;

interface FamilyDef {
  readonly title: string;
  readonly ns: readonly number[];
  readonly ttl: number;
  readonly full: number;
  readonly short: number;
  readonly first: number;
  readonly fault: (short: boolean) => Fault;
  /** Extra Tenure settings of every Tenure contender. */
  readonly tenure?: TenureSettings;
  /** Also run Tenure with restartQuarantine = ttl (at these N). */
  readonly quarantineAt?: readonly number[];
}

const DEFS: Record<Family, FamilyDef> = {
  baseline: { title: 'no fault', ns: [1, 3, 5], ttl: 2000, full: 6000, short: 2500, first: 0, fault: () => ({ kind: 'none' }) },
  'empty-restart': {
    title: 'a server the holder holds SIGKILLed and restarted empty while held',
    ns: [1, 3, 5],
    ttl: 2000,
    full: 7000,
    short: 4000,
    first: 700,
    fault: (short) => ({ kind: 'restart', every: short ? 900 : 1500 }),
    quarantineAt: [1],
  },
  'rolling-restart': {
    title: 'one server after another restarted empty every 0.5–0.8 s',
    ns: [3, 5],
    ttl: 3000,
    full: 9000,
    short: 5000,
    first: 300,
    fault: () => ({ kind: 'rolling', min: 500, max: 800 }),
    quarantineAt: [3, 5],
  },
  flushall: {
    title: 'FLUSHALL on a server the holder holds, while held',
    ns: [1, 3, 5],
    ttl: 2000,
    full: 7000,
    short: 3500,
    first: 500,
    fault: () => ({ kind: 'flushall', every: 1000 }),
  },
  'fast-clock': {
    title: "server 1's clock runs 3× fast",
    ns: [1, 3, 5],
    ttl: 1500,
    full: 7000,
    short: 4000,
    first: 0,
    fault: () => ({ kind: 'fast-clock', rate: 3 }),
  },
  'eviction-volatile-ttl': {
    title: 'server 1: maxmemory + volatile-ttl, cache keys written while the lock is held there',
    ns: [1, 3, 5],
    ttl: 2000,
    full: 7000,
    short: 3500,
    first: 500,
    fault: () => ({ kind: 'eviction', policy: 'volatile-ttl', every: 1000 }),
  },
  'eviction-allkeys-random': {
    title: 'server 1: maxmemory + allkeys-random, cache keys written while the lock is held there',
    ns: [3],
    ttl: 2000,
    full: 7000,
    short: 3500,
    first: 500,
    fault: () => ({ kind: 'eviction', policy: 'allkeys-random', every: 1000 }),
  },
  stall: {
    title: 'a server the holder holds stalled 400 ms (SIGSTOP, SIGCONT), repeatedly; Tenure with commandTimeout 200',
    ns: [1, 3, 5],
    ttl: 1000,
    full: 7000,
    short: 4000,
    first: 500,
    fault: () => ({ kind: 'stall', every: 1200, ms: 400 }),
    tenure: { commandTimeout: 200 },
  },
  blackhole: {
    title: 'the proxy of a server the holder holds black-holed 1.5 s, then its connections reset',
    ns: [3, 5],
    ttl: 2000,
    full: 7500,
    short: 4000,
    first: 800,
    fault: () => ({ kind: 'blackhole', every: 3000, ms: 1500 }),
  },
};

function contenders(def: FamilyDef, n: number, ttl: number, tenureOnly: boolean): Contender[] {
  const tenure = def.tenure ?? {};
  const list: Contender[] = [{ id: 'tenure', lib: 'tenure', tenure }];
  if (def.quarantineAt?.includes(n)) list.push({ id: 'tenure+quarantine', lib: 'tenure', tenure: { ...tenure, restartQuarantine: ttl } });
  if (!tenureOnly) {
    list.push({ id: 'redlock5', lib: 'redlock5', tenure: {} });
    list.push({ id: 'redis-semaphore', lib: 'redis-semaphore', tenure: {} });
  }
  return list;
}

/** One family at one instance count: the full version, or the short one (ttl, durations as given by the test). */
export function scenario(family: Family, n: number, opts: { short?: boolean; ttl?: number } = {}): Scenario {
  const def = DEFS[family];
  const short = opts.short ?? false;
  const ttl = opts.ttl ?? def.ttl;
  return {
    id: `${family}-n${n}`,
    family,
    title: def.title,
    n,
    ttl,
    durationMs: short ? def.short : def.full,
    firstFaultMs: def.first,
    fault: def.fault(short),
    contenders: contenders(def, n, ttl, short),
  };
}

/** Every scenario of the full run, baselines first. */
export function allScenarios(): Scenario[] {
  return FAMILIES.flatMap((f) => DEFS[f].ns.map((n) => scenario(f, n)));
}
