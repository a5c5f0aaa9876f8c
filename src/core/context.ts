/** What every primitive of one Redlock shares: its instances, quorum and options. */
import type { ResolvedOptions } from '../options/index.js';
import type { Instance } from './endpoint.js';
import type { Monitor } from './monitor.js';
import type { Renewer } from './renewer.js';
import type { ThreadKeeper } from './thread/host.js';
import type { Telemetry } from './telemetry.js';
import type { Wakeup } from './wakeup.js';

export interface Context {
  readonly instances: readonly Instance[];
  /** N/2+1. */
  readonly quorum: number;
  readonly options: ResolvedOptions;
  /** Each server's standing: duplicates, eviction, clock. */
  readonly monitor: Monitor;
  /** The batched keeper; undefined when renewals go one lease at a time (renewBatch 1, a Cluster endpoint). */
  renewer: Renewer | undefined;
  /** The keeper thread (`keeper: 'thread'`): plain leases renew there when set. */
  thread: ThreadKeeper | undefined;
  /** Release notifications for waiters. */
  readonly wakeup: Wakeup;
  /** Events, logs, metrics and spans: its hooks run only while `telemetry.active`. */
  readonly telemetry: Telemetry;
  /** Locks alive now, released by close(). */
  readonly live: Set<{ revoke(why: string): Promise<boolean> }>;
  /** Elections and schedules running now, stopped by close() before any lock is released. */
  readonly services: Set<{ stop(): Promise<void> }>;
  /** Throws ClosedError when the Redlock was closed (or is closing). */
  assertOpen(): void;
  /** Acquisitions in flight: close() lets them finish (and release what they won) first. */
  readonly inflight: Set<Promise<unknown>>;
}

/** Validity left after an operation that started at `start`: ttl − elapsed − drift. */
export function validity(ctx: Context, ttl: number, start: number): number {
  return ttl - (ctx.options.clock.now() - start) - drift(ctx, ttl);
}

/** The clock-drift allowance for a ttl: ttl × driftFactor + 2 ms. */
export function drift(ctx: Context, ttl: number): number {
  return Math.floor(ttl * ctx.options.driftFactor) + 2;
}
