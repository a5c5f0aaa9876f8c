import { hostname } from 'node:os';
import { MAX_DURATION, bool, duration, fnArg, fraction, intIn, methods, plainObject, rejectUnknown, show, stringArg } from './args.js';

import { unfitPrefix } from './keys.js';
import type { MeterProviderLike, TracerProviderLike } from './core/otel.js';
import { defaultMetricName, type Logger } from './core/telemetry.js';
import { cronTimetable, everyTimetable, type Timetable } from './jobs/cron.js';

/** A monotonic clock in milliseconds. Injectable for deterministic tests. */
export interface Clock {
  now(): number;
}

/** Options of `new Redlock(endpoints, options)`. Durations are integer milliseconds. */
export interface RedlockOptions {
  /** Prefix of every key and channel Tenure writes. @default 'tenure:' */
  keyPrefix?: string;
  /** Clock drift allowance: validity = ttl − elapsed − (ttl × driftFactor + 2 ms). @default 0.01 */
  driftFactor?: number;
  /** Pause between attempts while waiting, before jitter. @default 100 */
  retryDelay?: number;
  /** Random extra pause, uniform in [0, retryJitter). @default 50 */
  retryJitter?: number;
  /** Longest wait for one instance's answer to one command. @default 1000 */
  commandTimeout?: number;
  /** How long `acquire` waits when the call does not say. @default 10000 */
  wait?: number;
  /** Label stored with every lock and shown by `inspect` / `tenure status`. @default `${hostname}/${pid}` */
  owner?: string;
  /** Issue a fencing token with every lock. @default false */
  fence?: boolean;
  /**
   * ioredis `enableAutoPipelining` on connections Tenure opens: commands of one tick share one
   * write (many concurrent locks). Clients you pass in keep their own setting. Off by default:
   * measured, it costs a lone acquire + release 25–45 % of its latency (it waits a tick to batch).
   * @default false
   */
  autoPipelining?: boolean;
  /**
   * After a write that grants, extends or fences a lock (and a job marker or sequence value),
   * wait up to this many ms for one replica of that instance to acknowledge it (`WAIT 1 ms`),
   * and count the instance's vote only if one did: a Sentinel failover then cannot forget a
   * granted lock. One more round trip per vote; must be below `commandTimeout`. Not for
   * Cluster endpoints. 0 turns it off. @default 0
   */
  replicaSync?: number;
  /**
   * Data-loss safety: a server that lost its data — restarted empty, flushed, resynced from
   * an empty master, evicted keys — may have forgotten a lock another client still holds.
   * With this set (ms, at least your longest lock ttl — longer ttls are refused), a server
   * does not vote until its data has been complete this long: each server carries a marker
   * key (no expiry) read by the acquire script in the same round trip, so a missing or young
   * marker holds it out, and so does an uptime below the quarantine (a restart that reloaded
   * an old copy). A new server waits this long too, unless declared fresh
   * (`redlock.markFresh()`). 0 turns it off. @default 0
   */
  restartQuarantine?: number;
  /**
   * Servers that may lose lock keys by design — `maxmemory` with an evicting policy — do not
   * vote (without it they are warned about, once). @default false
   */
  strict?: boolean;
  /**
   * Most leases renewed by one script call per server: auto-extended locks, elections and
   * semaphore permits that fall due together are renewed together (one keeper per Redlock).
   * 1 renews each lease with a call of its own. Not on Cluster endpoints (a script reaches one
   * slot): there each lease renews alone. An integer from 1 to 1000. @default 100
   */
  renewBatch?: number;
  /**
   * Who renews auto-extended leases (locks, elections, semaphore permits). `'main'`: the
   * batched keeper on the main thread. `'thread'`: a worker thread with its own connections,
   * so a main thread blocked by synchronous work or a long GC keeps its leases (until
   * `maxStall`); each lease's validity is shared through a SharedArrayBuffer, so `isHeld` and
   * `remaining()` tell the truth at once. Not for Cluster endpoints, node-redis or GLIDE clients,
   * or an injected `clock`. Read-write locks keep their main-thread renewal. @default 'main'
   */
  keeper?: 'main' | 'thread';
  /**
   * With `keeper: 'thread'`: a main thread that has not answered the keeper thread (a
   * heartbeat every 50 ms) for this many ms is treated as hung, and the thread stops renewing
   * its leases: they expire as they would without the thread. Must be above each lease's
   * renewal interval (ttl/3) plus 100 ms. @default 3 × each lease's ttl
   */
  maxStall?: number;
  /** Monotonic clock; tests inject one. @default performance.now() */
  clock?: Clock;
  /**
   * OpenTelemetry metrics (needs `@opentelemetry/api`, an optional peer dependency): this
   * MeterProvider. @default the global one, when `@opentelemetry/api` is installed and a real
   * provider is registered by the time the Redlock is made; else no metrics
   */
  meterProvider?: MeterProviderLike;
  /** A span per acquisition on this TracerProvider. @default the global one, when registered */
  tracerProvider?: TracerProviderLike;
  /**
   * The `tenure.lock.name` of a lock, for metrics and events: keep it low-cardinality (no ids).
   * @default the resource's first segment (up to `:`, `/`, `.`, `#`, `{`) when it has no digit, else 'other'
   */
  metricName?: (resources: readonly string[]) => string;
  /** Where to log (pino, winston, console: anything with debug/info/warn/error). @default none (NODE_DEBUG=tenure still works) */
  logger?: Logger;
}

/** Options of `tryAcquire`: one attempt. */
export interface TryAcquireOptions {
  /** Time to live of the lock in ms: required, no silent default. */
  ttl: number;
  /** Issue a fencing token (`lock.fencingToken`). @default the Redlock's `fence` */
  fence?: boolean;
  /** Keep extending the lock every ttl/3 until released or lost. @default false */
  autoExtend?: boolean;
}

/** Options of `acquire`: attempts until the lock is taken or `wait` runs out. */
export interface AcquireOptions extends TryAcquireOptions {
  /** How long to keep trying, in ms; 0 means a single attempt. @default the Redlock's `wait` */
  wait?: number;
  /** @default the Redlock's `retryDelay` */
  retryDelay?: number;
  /** @default the Redlock's `retryJitter` */
  retryJitter?: number;
  /** Aborts the wait (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Options of `using`: like `acquire`, and the lock is always auto-extended. */
export type UsingOptions = Omit<AcquireOptions, 'autoExtend'>;

/** Options of `redlock.election(name, options)`. */
export interface ElectionOptions {
  /** The leader's lease in ms: renewed every ttl/3; a crashed leader is replaced within about one ttl. Required. */
  ttl: number;
  /** This candidate's id, shown by `leader()` and `tenure status`. @default the Redlock's `owner` */
  id?: string;
  /**
   * Longest pause between a waiting candidate's attempts (a release wakes it at once; it also
   * tries when the leader's lease would run out). At most the ttl. @default ttl / 2
   */
  retryDelay?: number;
}

/** Options of `redlock.schedule(name, options, fn)`: `every` or `cron`. */
export type ScheduleOptions = EveryOptions | CronOptions;

/** A period in ms. */
export interface EveryOptions {
  /** The period in ms: `fn` runs once per period, periods aligned to the wall clock (epoch multiples). Required. */
  every: number;
  /** The run lock's lease in ms, auto-extended while `fn` runs; a crashed run is taken over after it. @default min(every, 30000), at least 1000 */
  ttl?: number;
}

/** A cron expression (croner's syntax: 5 fields, or 6 with seconds first, e.g. '0 2 * * *'). */
export interface CronOptions {
  /** `fn` runs once per scheduled time. Required. */
  cron: string;
  /** IANA time zone the expression is read in. @default 'UTC' */
  timezone?: string;
  /** The run lock's lease in ms. @default the interval between two times, within [1000, 30000] */
  ttl?: number;
}

export interface ResolvedSchedule {
  readonly timetable: Timetable;
  readonly ttl: number;
  readonly every: number | undefined;
  readonly cron: string | undefined;
}

/** Options of `redlock.once(name, fn, options)`. */
export interface OnceOptions {
  /** The run lock's lease in ms, auto-extended while `fn` runs. @default 30000 */
  ttl?: number;
  /** How long to wait for another caller's run to finish. @default no limit */
  wait?: number;
  /** Aborts the wait. */
  signal?: AbortSignal;
}

export interface ResolvedElection {
  readonly ttl: number;
  readonly id: string;
  readonly retryDelay: number;
}

export function resolveElectionOptions(options: unknown, base: ResolvedOptions): ResolvedElection {
  if (options === undefined) throw new TypeError('Expected `options` with a `ttl` (ms): the ttl is required, got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['ttl', 'id', 'retryDelay']));
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  const ttl = duration('options.ttl', o.ttl, 0, 30);
  const id = o.id === undefined ? base.owner : stringArg('options.id', o.id, false);
  const retryDelay = duration('options.retryDelay', o.retryDelay, Math.floor(ttl / 2), 1);
  withinQuarantine('options.ttl', ttl, base);
  withinStall('options.ttl', ttl, base);
  if (retryDelay > ttl) throw new RangeError(`Expected \`options.retryDelay\` to be at most the ttl (${ttl} ms), got ${retryDelay}`);
  if (base.commandTimeout >= ttl / 3) {
    // Renewal runs every ttl/3; a command that may take longer than that cannot renew in time.
    throw new RangeError(
      `Expected \`options.ttl\` (${ttl} ms) above 3 × the Redlock's commandTimeout (${base.commandTimeout} ms), so that a renewal (every ttl/3) and one retry fit inside the lease: raise the ttl or lower commandTimeout`,
    );
  }
  return { ttl, id, retryDelay };
}

export function resolveScheduleOptions(options: unknown, base: ResolvedOptions): ResolvedSchedule {
  if (options === undefined) throw new TypeError('Expected `options` with `every` (ms) or `cron`, got undefined');
  const o = plainObject('options', options);
  const cron = o.cron !== undefined;
  rejectUnknown('options', o, new Set(cron ? ['cron', 'timezone', 'ttl'] : ['every', 'ttl']));
  if (!cron && o.every === undefined)
    throw new TypeError('Expected `options.every` (ms) or `options.cron`: the period is required, got neither');
  const timetable = cron ? cronTimetable(o.cron, o.timezone) : everyTimetable(duration('options.every', o.every, 0, 1));
  // Default lease: the period, within [1 s, 30 s] (a run may outlast a short period: it never overlaps the next).
  const fallback = Math.min(Math.max(timetable.interval, 1_000), 30_000);
  const ttl = withinQuarantine('options.ttl', duration('options.ttl', o.ttl, fallback, 3), base);
  return { timetable, ttl, every: cron ? undefined : (o.every as number), cron: cron ? (o.cron as string) : undefined };
}

export function resolveOnceOptions(
  options: unknown,
  base: ResolvedOptions,
): { ttl: number; wait: number; signal: AbortSignal | undefined } {
  const o = plainObject('options', options ?? {});
  rejectUnknown('options', o, new Set(['ttl', 'wait', 'signal']));
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`options.signal\` to be an AbortSignal, got ${show(o.signal)}`);
  }
  return {
    ttl: withinQuarantine('options.ttl', duration('options.ttl', o.ttl, 30_000, 3), base),
    wait: duration('options.wait', o.wait, MAX_DURATION, 0),
    signal: o.signal,
  };
}

/** Options of `redlock.windowCounter(name, options)`. */
export interface WindowCounterOptions {
  /** The window in ms; windows are aligned to the server's clock. Required. */
  window: number;
  /** With a limit, `add` refuses an add that would pass it and answers a WindowVerdict. */
  limit?: number;
}

export function resolveWindowOptions(options: unknown): { window: number; limit: number | undefined } {
  if (options === undefined) throw new TypeError('Expected `options` with a `window` (ms), got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['window', 'limit']));
  if (o.window === undefined) throw new TypeError('Expected `options.window` (ms): the window is required, got undefined');
  const window = duration('options.window', o.window, 0, 1);
  if (o.limit === undefined) return { window, limit: undefined };
  if (typeof o.limit !== 'number' || !Number.isInteger(o.limit))
    throw new TypeError(`Expected \`options.limit\` to be an integer, got ${show(o.limit)}`);
  if (o.limit < 1 || !Number.isSafeInteger(o.limit))
    throw new RangeError(`Expected \`options.limit\` to be a positive safe integer, got ${o.limit}`);
  return { window, limit: o.limit };
}

/** Options of `redlock.semaphore(name, options)`. */
export interface SemaphoreOptions {
  /** How many holders it admits at once: an integer from 1 to 1024. Required. */
  permits: number;
  /** Each permit's ttl in ms, unless the call says otherwise. Required. */
  ttl: number;
}

export function resolveSemaphoreOptions(options: unknown): { permits: number; ttl: number } {
  if (options === undefined) throw new TypeError('Expected `options` with `permits` and a `ttl` (ms), got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['permits', 'ttl']));
  const p = o.permits;
  if (typeof p !== 'number' || !Number.isInteger(p)) throw new TypeError(`Expected \`options.permits\` to be an integer, got ${show(p)}`);
  if (p < 1 || p > 1024) throw new RangeError(`Expected \`options.permits\` to be from 1 to 1024, got ${p}`);
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  return { permits: p, ttl: duration('options.ttl', o.ttl, 0, 1) };
}

/** A callback argument: a function, or a TypeError naming it. */
/** Options of `redlock.readWriteLock(name, options)`. */
export interface ReadWriteLockOptions {
  /** Default ttl in ms of both sides' calls (each reader holds its own lease). Required. */
  ttl: number;
}

export function resolveRwOptions(options: unknown, base: ResolvedOptions): { ttl: number } {
  if (options === undefined) throw new TypeError('Expected `options` with a `ttl` (ms), got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['ttl']));
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  return { ttl: withinQuarantine('options.ttl', duration('options.ttl', o.ttl, 0, 1), base) };
}

export const DEFAULTS = Object.freeze({
  keyPrefix: 'tenure:',
  driftFactor: 0.01,
  retryDelay: 100,
  retryJitter: 50,
  commandTimeout: 1000,
  wait: 10_000,
  fence: false,
  autoPipelining: false,
  replicaSync: 0,
  restartQuarantine: 0,
  strict: false,
  renewBatch: 100,
  keeper: 'main',
});

/** How often the main thread tells the keeper thread it is alive (`keeper: 'thread'`). */
export const HEARTBEAT = 50;

export interface ResolvedOptions {
  readonly keyPrefix: string;
  readonly driftFactor: number;
  readonly retryDelay: number;
  readonly retryJitter: number;
  readonly commandTimeout: number;
  readonly wait: number;
  readonly owner: string;
  readonly fence: boolean;
  readonly autoPipelining: boolean;
  readonly replicaSync: number;
  readonly restartQuarantine: number;
  readonly strict: boolean;
  readonly renewBatch: number;
  readonly keeper: 'main' | 'thread';
  /** undefined: 3 × each lease's ttl. */
  readonly maxStall: number | undefined;
  readonly clock: Clock;
  readonly meterProvider: MeterProviderLike | undefined;
  readonly tracerProvider: TracerProviderLike | undefined;
  readonly metricName: (resources: readonly string[]) => string;
  readonly logger: Logger | undefined;
}

const REDLOCK_KEYS = new Set([
  'keyPrefix',
  'driftFactor',
  'retryDelay',
  'retryJitter',
  'commandTimeout',
  'wait',
  'owner',
  'fence',
  'autoPipelining',
  'replicaSync',
  'restartQuarantine',
  'strict',
  'renewBatch',
  'keeper',
  'maxStall',
  'clock',
  'meterProvider',
  'tracerProvider',
  'metricName',
  'logger',
]);
const TRY_KEYS = new Set(['ttl', 'fence', 'autoExtend']);
const ACQUIRE_KEYS = new Set([...TRY_KEYS, 'wait', 'retryDelay', 'retryJitter', 'signal']);
const USING_KEYS = new Set([...ACQUIRE_KEYS].filter((k) => k !== 'autoExtend'));

export const monotonic: Clock = { now: () => performance.now() };

export function resolveRedlockOptions(options: RedlockOptions | undefined): ResolvedOptions {
  const o = plainObject('options', options ?? {});
  rejectUnknown('options', o, REDLOCK_KEYS);
  const keyPrefix = o.keyPrefix === undefined ? DEFAULTS.keyPrefix : stringArg('options.keyPrefix', o.keyPrefix, true);
  const unfit = unfitPrefix(keyPrefix);
  if (unfit !== undefined)
    throw new RangeError(`Expected \`options.keyPrefix\` to keep a lock's keys in one Cluster slot, got ${show(keyPrefix)}: ${unfit}`);
  const owner = o.owner === undefined ? `${hostname()}/${process.pid}` : stringArg('options.owner', o.owner, false);
  const driftFactor = o.driftFactor === undefined ? DEFAULTS.driftFactor : fraction('options.driftFactor', o.driftFactor);
  const clock = o.clock === undefined ? monotonic : clockArg(o.clock);
  const keeper = keeperArg(o.keeper);
  if (keeper === 'thread' && o.clock !== undefined) {
    throw new TypeError(
      "Expected no `options.clock` with `options.keeper: 'thread'`: the keeper thread shares validity on performance.now()'s time base",
    );
  }
  if (keeper !== 'thread' && o.maxStall !== undefined) {
    throw new TypeError(
      `Expected \`options.maxStall\` only with \`options.keeper: 'thread'\`, got ${show(o.maxStall)} with keeper ${show(keeper)}`,
    );
  }
  const maxStall = o.maxStall === undefined ? undefined : duration('options.maxStall', o.maxStall, 0, 4 * HEARTBEAT);
  return Object.freeze({
    keyPrefix,
    owner,
    driftFactor,
    clock,
    retryDelay: duration('options.retryDelay', o.retryDelay, DEFAULTS.retryDelay, 0),
    retryJitter: duration('options.retryJitter', o.retryJitter, DEFAULTS.retryJitter, 0),
    commandTimeout: duration('options.commandTimeout', o.commandTimeout, DEFAULTS.commandTimeout, 1),
    wait: duration('options.wait', o.wait, DEFAULTS.wait, 0),
    fence: bool('options.fence', o.fence, DEFAULTS.fence),
    autoPipelining: bool('options.autoPipelining', o.autoPipelining, DEFAULTS.autoPipelining),
    replicaSync: replicaSyncArg(o.replicaSync, o.commandTimeout),
    restartQuarantine: duration('options.restartQuarantine', o.restartQuarantine, DEFAULTS.restartQuarantine, 0),
    strict: bool('options.strict', o.strict, DEFAULTS.strict),
    renewBatch: intIn('options.renewBatch', o.renewBatch, DEFAULTS.renewBatch, 1, 1000),
    keeper,
    maxStall,
    meterProvider: methods<MeterProviderLike>('options.meterProvider', o.meterProvider, ['getMeter']),
    tracerProvider: methods<TracerProviderLike>('options.tracerProvider', o.tracerProvider, ['getTracer']),
    metricName:
      o.metricName === undefined ? defaultMetricName : fnArg<(r: readonly string[]) => string>('options.metricName', o.metricName),
    logger: methods<Logger>('options.logger', o.logger, ['debug', 'info', 'warn', 'error']),
  });
}

export interface ResolvedAcquire {
  readonly ttl: number;
  readonly fence: boolean;
  readonly autoExtend: boolean;
  readonly wait: number;
  readonly retryDelay: number;
  readonly retryJitter: number;
  readonly signal: AbortSignal | undefined;
}

/** Validates the options of tryAcquire (`kind: 'try'`), acquire or using. */
export function resolveAcquireOptions(kind: 'try' | 'acquire' | 'using', options: unknown, base: ResolvedOptions): ResolvedAcquire {
  if (options === undefined) throw new TypeError('Expected `options` with a `ttl` (ms): the ttl is required, got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, kind === 'try' ? TRY_KEYS : kind === 'acquire' ? ACQUIRE_KEYS : USING_KEYS);
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`options.signal\` to be an AbortSignal, got ${show(signal)}`);
  }
  const autoExtend = kind === 'using' ? true : bool('options.autoExtend', o.autoExtend, false);
  const ttl = withinQuarantine('options.ttl', duration('options.ttl', o.ttl, 0, 1), base);
  if (autoExtend) withinStall('options.ttl', ttl, base);
  return {
    ttl,
    fence: bool('options.fence', o.fence, base.fence),
    autoExtend,
    wait: kind === 'try' ? 0 : duration('options.wait', o.wait, base.wait, 0),
    retryDelay: duration('options.retryDelay', o.retryDelay, base.retryDelay, 0),
    retryJitter: duration('options.retryJitter', o.retryJitter, base.retryJitter, 0),
    signal,
  };
}

/**
 * A lock's ttl may not outlast the restart quarantine: a restarted server would vote again
 * while a lock it forgot is still valid. Returns the ttl; RangeError naming `name` otherwise.
 */
export function withinQuarantine(name: string, ttl: number, base: ResolvedOptions): number {
  const q = base.restartQuarantine;
  if (q > 0 && ttl > q) {
    throw new RangeError(
      `Expected \`${name}\` (${ttl} ms) at most the Redlock's restartQuarantine (${q} ms): a restarted server would vote again while a lock it forgot is still valid`,
    );
  }
  return ttl;
}

/**
 * With `keeper: 'thread'` and a `maxStall`, a lease must renew (every ttl/3) well within it:
 * else the thread would call the main thread hung before the first renewal. Returns the ttl.
 */
export function withinStall(name: string, ttl: number, base: ResolvedOptions): number {
  const s = base.maxStall;
  if (s !== undefined && s <= Math.floor(ttl / 3) + 2 * HEARTBEAT) {
    throw new RangeError(
      `Expected \`${name}\` (${ttl} ms) to renew (every ttl/3 = ${Math.floor(ttl / 3)} ms) more than ${2 * HEARTBEAT} ms within the Redlock's maxStall (${s} ms): raise maxStall or lower the ttl`,
    );
  }
  return ttl;
}

/** The `keeper` option: 'main' or 'thread'. */
function keeperArg(value: unknown): 'main' | 'thread' {
  if (value === undefined) return 'main'; // DEFAULTS.keeper
  if (value !== 'main' && value !== 'thread') {
    throw new TypeError(`Expected \`options.keeper\` to be 'main' or 'thread', got ${show(value)}`);
  }
  return value;
}

function replicaSyncArg(value: unknown, commandTimeout: unknown): number {
  const ms = duration('options.replicaSync', value, DEFAULTS.replicaSync, 0);
  const timeout = typeof commandTimeout === 'number' ? commandTimeout : DEFAULTS.commandTimeout;
  if (ms > 0 && ms >= timeout) {
    throw new RangeError(
      `Expected \`options.replicaSync\` (${ms} ms) below \`options.commandTimeout\` (${timeout} ms): the replica's acknowledgement must fit in one command's time`,
    );
  }
  return ms;
}

function clockArg(value: unknown): Clock {
  if (typeof value !== 'object' || value === null || typeof (value as Clock).now !== 'function') {
    throw new TypeError(`Expected \`options.clock\` to be an object with a now() method, got ${show(value)}`);
  }
  return value as Clock;
}
