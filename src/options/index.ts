/**
 * What the rest of Tenure imports from the options: the types, the public `DEFAULTS`, the
 * resolvers and the ttl limits. The folder splits by role — types.ts (what callers write,
 * with `@default`), defaults.ts (each default value, once), redlock.ts / acquire.ts /
 * primitives.ts (the resolvers), limits.ts (ttl against the Redlock's options) — and this
 * file keeps one import path for all of them. The clock lives in core/monotonic.ts.
 */
export type {
  RedlockOptions,
  TryAcquireOptions,
  AcquireOptions,
  UsingOptions,
  ElectionOptions,
  ScheduleOptions,
  EveryOptions,
  CronOptions,
  OnceOptions,
  WindowCounterOptions,
  SemaphoreOptions,
  ReadWriteLockOptions,
} from './types.js';
export type { Clock } from '../core/monotonic.js';
export { DEFAULTS, THREAD_KEEPER_DEFAULTS } from './defaults.js';
export { resolveRedlockOptions, type ResolvedOptions } from './redlock.js';
export { resolveAcquireOptions, type ResolvedAcquire } from './acquire.js';
export {
  resolveElectionOptions,
  resolveScheduleOptions,
  resolveOnceOptions,
  resolveWindowOptions,
  resolveSemaphoreOptions,
  resolveRwOptions,
  type ResolvedElection,
  type ResolvedSchedule,
} from './primitives.js';
export { HEARTBEAT, withinQuarantine, withinStall } from './limits.js';
