/**
 * The option types of every entry point, as callers see them: each field says what it does
 * and, with `@default`, what it is when left out. The values themselves live once, in
 * defaults.ts; the resolvers (redlock.ts, acquire.ts, primitives.ts) read them from there,
 * so a default changes in one place and this documentation is its only echo.
 */
import type { Clock } from '../core/monotonic.js';
import type { MeterProviderLike, TracerProviderLike } from '../core/otel.js';
import type { Logger } from '../core/telemetry.js';

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
  /** Pause between attempts in ms, before jitter. @default the Redlock's `retryDelay` */
  retryDelay?: number;
  /** Random extra pause in ms, uniform in [0, retryJitter). @default the Redlock's `retryJitter` */
  retryJitter?: number;
  /** Aborts the wait (rejects with the signal's reason). @default none */
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

/** Options of `redlock.once(name, fn, options)`. */
export interface OnceOptions {
  /** The run lock's lease in ms, auto-extended while `fn` runs. @default 30000 */
  ttl?: number;
  /** How long to wait for another caller's run to finish. @default no limit */
  wait?: number;
  /** Aborts the wait. @default none */
  signal?: AbortSignal;
}

/** Options of `redlock.windowCounter(name, options)`. */
export interface WindowCounterOptions {
  /** The window in ms; windows are aligned to the server's clock. Required. */
  window: number;
  /** With a limit, `add` refuses an add that would pass it and answers a WindowVerdict. @default no limit */
  limit?: number;
}

/** Options of `redlock.semaphore(name, options)`. */
export interface SemaphoreOptions {
  /** How many holders it admits at once: an integer from 1 to 1024. Required. */
  permits: number;
  /** Each permit's ttl in ms, unless the call says otherwise. Required. */
  ttl: number;
}

/** Options of `redlock.readWriteLock(name, options)`. */
export interface ReadWriteLockOptions {
  /** Default ttl in ms of both sides' calls (each reader holds its own lease). Required. */
  ttl: number;
}
