/**
 * Every default value of every option, each written once. A resolver that fills in a
 * missing option reads it from here, and the `@default` notes in types.ts describe these
 * values; nothing else in the source may restate them. One frozen object per entry point:
 * `DEFAULTS` (the Redlock's, public: callers may read it) and the internal ones below.
 * Semaphores, window counters and read-write locks have none: every option they take is
 * required or, like a window counter's `limit`, absent means off.
 */
import { hostname } from 'node:os';
import { MAX_DURATION } from '../args.js';

/** Options of `new Redlock()` left out. Per-call options fall back to these through the Redlock. */
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

/** The Redlock's `owner` when left out: this host and process, read when the Redlock is made. */
export function defaultOwner(): string {
  return `${hostname()}/${process.pid}`;
}

/** With `keeper: 'thread'` and no `maxStall`: a main thread silent this long is hung. */
export const THREAD_KEEPER_DEFAULTS = Object.freeze({
  maxStall: (ttl: number): number => 3 * ttl,
});

/** tryAcquire / acquire (`fence`, `wait`, `retryDelay`, `retryJitter` come from the Redlock). */
export const ACQUIRE_DEFAULTS = Object.freeze({
  autoExtend: false,
});

/** `redlock.election()` (`id` comes from the Redlock's `owner`). */
export const ELECTION_DEFAULTS = Object.freeze({
  retryDelay: (ttl: number): number => Math.floor(ttl / 2),
});

/** `redlock.schedule()`: the lease is the period (or cron interval) within [minTtl, maxTtl]. */
export const SCHEDULE_DEFAULTS = Object.freeze({
  minTtl: 1_000,
  maxTtl: 30_000,
  timezone: 'UTC',
});

/** `redlock.once()`: `wait` has no limit but the longest timer Node.js supports. */
export const ONCE_DEFAULTS = Object.freeze({
  ttl: 30_000,
  wait: MAX_DURATION,
});
