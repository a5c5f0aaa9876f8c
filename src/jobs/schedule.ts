/**
 * Exclusive scheduled jobs: across every process that schedules the same name, `fn` runs
 * once per period, on one of them. Periods are aligned to the wall clock — multiples of
 * `every` since the epoch, or the times of a cron expression (jobs/cron.ts) — so processes
 * agree on them without talking.
 *
 * Each period: read the done-marker (one round trip); if the period is not done, take the
 * job's lock (one lock for every period, so runs never overlap), read the marker again,
 * run `fn` under the auto-extended lock, record the period as done on a quorum, release.
 * The others wait on the lock until the end of the period: when the runner crashes, one of
 * them takes over once its lease runs out and runs the period itself.
 *
 * A run that ends inside a later period lets that period run at once; a period that
 * passes entirely while a run goes on is skipped (runs never overlap, and do not pile up).
 *
 * Times missed while every process was down: the period under way when a process starts
 * runs at once if no process recorded it done — so the most recent missed time is made up
 * once, and the ones before it are dropped. For a cron schedule, only when a run of it was
 * recorded before (its marker lives two intervals): a new cron schedule first runs at its
 * next scheduled time, not at a time that passed before it existed.
 *
 * What it guarantees: at most one run at a time; a period recorded done is not run again.
 * What it does not: exactly-once — a run that crashes halfway is run again by another
 * process within the same period. It assumes the processes' wall clocks agree to well
 * within `every`. A run that outlasts its lock (the lease could not be renewed) is told
 * through its AbortSignal, which also aborts when the schedule stops (or the Redlock closes):
 * `stop()` waits for the run, so `fn` should end when told.
 */
import { EventEmitter } from 'node:events';
import type { Context } from '../core/context.js';
import { safeEmit } from '../core/events.js';
import { sleep } from '../core/sleep.js';
import { ClosedError, LockLostError, LockTimeoutError } from '../errors.js';
import { scheduleResource } from '../keys.js';
import { acquire } from '../lock/acquire.js';
import { withRoutineError } from '../lock/using.js';
import type { ResolvedSchedule } from '../options/index.js';
import type { Period, Timetable } from './cron.js';
import { readMark, writeMark } from './marker.js';

/** Longest sleep between two looks at the clock (a monthly cron, a clock that jumps). */
const MAX_SLEEP = 60_000;
/** Longest a done-marker lives (two intervals, at most a year): a later schedule of the name starts afresh. */
const MARK_LIFE = 365 * 24 * 3_600_000;

export interface ScheduledRun {
  /** The period's id: floor(wall-clock ms / every), or the cron time in seconds since the epoch. */
  readonly period: number;
  /** When the period began. */
  readonly scheduledAt: Date;
}

export interface RunEvent extends ScheduledRun {
  /** How long `fn` took, ms. */
  readonly duration: number;
  /**
   * What `fn` threw, if it did (the period still counts as done); a LockLostError when the
   * run's lock was lost before the end — then the period is not recorded (its `cause` is what
   * `fn` threw, if it threw too).
   */
  readonly error?: unknown;
}

export interface ScheduleEvents {
  /** A run of `fn` in this process finished. */
  run: [RunEvent];
  /** Redis trouble while scheduling; the next period is tried all the same. */
  scheduleError: [Error];
}

export type ScheduledFn = (signal: AbortSignal, run: ScheduledRun) => unknown;

export class Schedule extends EventEmitter<ScheduleEvents> {
  readonly name: string;
  /** The period in ms (`every` schedules). */
  readonly every: number | undefined;
  /** The cron expression (`cron` schedules). */
  readonly cron: string | undefined;
  readonly #timetable: Timetable;
  readonly #ctx: Context;
  readonly #ttl: number;
  readonly #fn: ScheduledFn;
  readonly #stop = new AbortController();
  readonly #loop: Promise<void>;

  /** @internal Made (and started) by `redlock.schedule(name, options, fn)`. */
  constructor(ctx: Context, name: string, options: ResolvedSchedule, fn: ScheduledFn) {
    super();
    this.#ctx = ctx;
    this.name = name;
    this.every = options.every;
    this.cron = options.cron;
    this.#timetable = options.timetable;
    this.#ttl = options.ttl;
    this.#fn = fn;
    ctx.services.add(this);
    this.#loop = this.#run(this.#stop.signal).catch(() => undefined); // nothing in it rejects; never unhandled
  }

  /** When the next period starts (the next scheduled time), as this process's clock reads now. */
  get next(): Date | undefined {
    const at = this.#timetable.nextStart(Date.now());
    return at === undefined ? undefined : new Date(at);
  }

  /** Schedules no more runs; resolves once a run in progress here has finished. */
  async stop(): Promise<void> {
    this.#ctx.services.delete(this);
    this.#stop.abort();
    await this.#loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #run(signal: AbortSignal): Promise<void> {
    let last = -1;
    let first = true;
    while (!signal.aborted) {
      const period = this.#timetable.at(Date.now());
      if (period !== undefined && period.id > last) {
        last = period.id;
        await this.#period(period, first, signal).catch((error: unknown) => {
          if (!signal.aborted && !(error instanceof ClosedError)) safeEmit(this, 'scheduleError', error as Error);
        });
        first = false;
        continue; // a run (or a wait for one) may have ended in a later period: look again now
      }
      first = false;
      const next = this.#timetable.nextStart(Date.now()) ?? Date.now() + MAX_SLEEP;
      await sleep(Math.min(next - Date.now(), MAX_SLEEP), signal).catch(() => undefined);
    }
  }

  async #period(p: Period, atStart: boolean, signal: AbortSignal): Promise<void> {
    const period = p.id;
    const resource = scheduleResource(this.name);
    const mark = await readMark(this.#ctx, resource);
    if (mark >= period) return; // another process ran it
    if (atStart && mark === 0 && !this.#timetable.runsFirstAtStart) return; // a new cron schedule: from its next time on
    const end = p.end;
    let lock;
    try {
      lock = (await acquire(
        this.#ctx,
        [resource],
        {
          ttl: this.#ttl,
          fence: false,
          autoExtend: true,
          wait: Math.max(0, end - Date.now()),
          retryDelay: Math.max(this.#ctx.options.retryDelay, Math.floor(this.#ttl / 2)),
          retryJitter: this.#ctx.options.retryJitter,
          signal,
        },
        false,
      ))!;
    } catch (error) {
      if (error instanceof LockTimeoutError && error.cause === undefined) return; // another ran (or runs) it all period long
      throw error;
    }
    try {
      if ((await readMark(this.#ctx, resource)) >= period) return;
      const started = performance.now();
      const run = { period, scheduledAt: new Date(p.start) };
      let failure: { error: unknown } | undefined;
      try {
        // Told to stop when its lock is lost, and when the schedule stops (or the Redlock closes).
        await this.#fn(AbortSignal.any([lock.signal, signal]), run);
      } catch (error) {
        failure = { error };
      }
      // Recorded only where the lock still holds this run's value: a run that lost its lock
      // before the end is not recorded (another process may run the period again).
      if (!lock.lostError) {
        await writeMark(this.#ctx, resource, period, Math.min(2 * (p.end - p.start), MARK_LIFE) + this.#ttl, lock.value).catch(
          (error: unknown) => {
            if (!(error instanceof LockLostError)) throw error;
          },
        );
      }
      await lock.release().catch(() => undefined);
      const lost = lock.lostError;
      if (lost) failure = { error: failure ? withRoutineError(lost, failure.error) : lost };
      safeEmit(this, 'run', { ...run, duration: performance.now() - started, ...failure });
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
