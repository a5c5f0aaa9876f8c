/**
 * Redlock: locks on one Redis instance, or on a quorum of N independent masters.
 *
 * What it guarantees: at most one holder per resource at any moment, as long as the
 * holder finishes within the lock's validity (ttl − time spent acquiring − clock drift),
 * processes' clocks advance at about the same rate, and a majority of instances keeps its
 * data. What it does not: protection against a holder that pauses (GC, SIGSTOP, a stopped
 * VM) past its validity and then writes — for that, use fencing tokens and check them in
 * the storage you protect. An instance that restarts empty may vote for a second holder
 * within one ttl; run instances with persistence, or keep a restarted one out for a ttl.
 */
import { EventEmitter } from 'node:events';
import type { Context } from './core/context.js';
import type { EndpointInput } from './core/endpoint.js';
import type { MonitorEvents } from './core/monitor.js';
import { closeContext, openContext } from './core/open.js';
import { markFresh } from './core/quarantine.js';
import { Telemetry, type TelemetryEvents } from './core/telemetry.js';
import { ClosedError } from './errors.js';
import { isLockResource } from './keys.js';
import { forceRelease, type ForcedOnServer } from './lock/force.js';
import { Election } from './election/election.js';
import { once, type OnceResult } from './jobs/once.js';
import { Schedule, type ScheduledFn } from './jobs/schedule.js';
import { acquire } from './lock/acquire.js';
import { runUsing } from './lock/using.js';
import { Semaphore } from './semaphore/semaphore.js';
import { Sequence } from './sequence/sequence.js';
import { WindowCounter, type WindowVerdict } from './window-counter/window-counter.js';
import { inspect, type LockInfo } from './lock/inspect.js';
import type { Lock } from './lock/lock.js';
import { adopt, type AdoptOptions } from './lock/adopt.js';
import { tryLock, type LockAttempt } from './lock/try-lock.js';
import { ReadWriteLock } from './rwlock/rwlock.js';
import { fnArg, resolveResources, stringArg } from './args.js';
import {
  resolveAcquireOptions,
  resolveElectionOptions,
  resolveOnceOptions,
  resolveScheduleOptions,
  resolveSemaphoreOptions,
  resolveRwOptions,
  type ReadWriteLockOptions,
  resolveWindowOptions,
  type WindowCounterOptions,
  type SemaphoreOptions,
  type ElectionOptions,
  type OnceOptions,
  type ScheduleOptions,
  resolveRedlockOptions,
  type AcquireOptions,
  type RedlockOptions,
  type ResolvedOptions,
  type TryAcquireOptions,
  type UsingOptions,
} from './options/index.js';

/** Events of a Redlock. */
export type RedlockEvents = MonitorEvents & TelemetryEvents;

/**
 * Events are subscribed with `on` / `off` (`redlock.once` is the run-once job, not an event
 * method): `serverSuspect` when a server stops counting as a vote or is warned about (its
 * clock misbehaves, it may evict keys, two endpoints are one server), `serverTrusted` when a
 * suspect clock behaves again.
 */
export class Redlock implements AsyncDisposable {
  readonly #events = new EventEmitter();
  readonly #options: ResolvedOptions;
  readonly #ctx: Context;
  readonly #telemetry: Telemetry;
  #closed: Promise<void> | undefined;
  readonly #sequences = new Map<string, Sequence>();

  /**
   * @param endpoints Redis URLs (`redis://[:password@]host:port[/db]`, `rediss://` for TLS),
   *   ioredis clients (borrowed, never closed), or Endpoint objects; each is one vote.
   * @param options See RedlockOptions; every duration is integer milliseconds.
   */
  constructor(endpoints: EndpointInput | readonly EndpointInput[], options?: RedlockOptions) {
    // Validate everything before opening a single connection.
    const resolved = resolveRedlockOptions(options);
    this.#options = resolved;
    this.#telemetry = new Telemetry(this.#events, resolved);
    this.#ctx = openContext(endpoints, resolved, this.#events, this.#telemetry, () => this.#assertOpen());
  }

  /** Adds an event listener (see the class doc for the events). */
  on<K extends keyof RedlockEvents>(event: K, listener: (...args: RedlockEvents[K]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    this.#telemetry.refresh();
    return this;
  }

  /** Removes an event listener. */
  off<K extends keyof RedlockEvents>(event: K, listener: (...args: RedlockEvents[K]) => void): this {
    this.#events.off(event, listener as (...args: unknown[]) => void);
    this.#telemetry.refresh();
    return this;
  }

  /** Votes needed: N/2+1. */
  get quorum(): number {
    return this.#ctx.quorum;
  }

  /** The instances' labels (URLs without passwords), in endpoint order. */
  get instances(): readonly string[] {
    return this.#ctx.instances.map((i) => i.label);
  }

  /** The resolved options (defaults filled in). */
  get options(): Readonly<Omit<ResolvedOptions, 'clock'>> {
    return this.#options;
  }

  /**
   * One attempt. Resolves the Lock, or null when another holds it (contention). Throws
   * QuorumError when too many instances failed to answer for a quorum.
   */
  async tryAcquire(resource: string | readonly string[], options: TryAcquireOptions): Promise<Lock | null> {
    const resources = resolveResources(resource);
    const o = resolveAcquireOptions('try', options, this.#options);
    this.#assertOpen();
    return acquire(this.#ctx, resources, o, true);
  }

  /**
   * One attempt that always reports its outcome (RedLock.net's lock state): `isAcquired`,
   * `status` (`acquired`, `conflicted`, `no-quorum`, `expired`), `lock` (or null), each
   * server's answer and a summary — instead of null or a QuorumError.
   */
  async tryLock(resource: string | readonly string[], options: TryAcquireOptions): Promise<LockAttempt> {
    const resources = resolveResources(resource);
    const o = resolveAcquireOptions('try', options, this.#options);
    this.#assertOpen();
    return tryLock((extra) => acquire(this.#ctx, resources, o, true, this.#options.owner, extra));
  }

  /**
   * A Lock for a lock another process took and handed over (`lock.handle`, or `tenure run`'s
   * TENURE_LOCK_HANDLE): it can extend and release it, and only while that value still holds
   * it — adopt() renews it on a quorum first (never re-taking a key that is gone) and throws
   * LockLostError when it is gone. `resource` is the name it was taken under: the lock's
   * resource(s), a read-write lock's name, or a semaphore's name (for a permit).
   */
  async adopt(resource: string | readonly string[], handle: string, options?: AdoptOptions): Promise<Lock> {
    this.#assertOpen();
    return adopt(this.#ctx, resource, handle, options);
  }

  /**
   * Attempts until the lock is taken or `wait` ms have passed. Throws LockTimeoutError
   * (with each instance's last answer), or the signal's reason when aborted.
   */
  async acquire(resource: string | readonly string[], options: AcquireOptions): Promise<Lock> {
    const resources = resolveResources(resource);
    const o = resolveAcquireOptions('acquire', options, this.#options);
    this.#assertOpen();
    return (await acquire(this.#ctx, resources, o, false))!;
  }

  /**
   * Runs `routine` under the lock, auto-extended every ttl/3, and releases it after.
   * `lock.signal` aborts if the lock is lost; then `using` rejects with LockLostError even
   * if the routine finished.
   */
  async using<T>(resource: string | readonly string[], options: UsingOptions, routine: (lock: Lock) => Promise<T> | T): Promise<T> {
    const resources = resolveResources(resource);
    const o = resolveAcquireOptions('using', options, this.#options);
    if (typeof routine !== 'function') throw new TypeError(`Expected \`routine\` to be a function, got ${typeof routine}`);
    this.#assertOpen();
    return runUsing((await acquire(this.#ctx, resources, o, false))!, routine);
  }

  /** Each instance's view of a lock: holder, remaining ttl, fencing token. Changes nothing. */
  async inspect(resource: string): Promise<LockInfo> {
    const [r] = resolveResources(resource, false);
    if (Array.isArray(resource)) throw new TypeError('Expected `resource` to be a string: inspect reads one lock');
    this.#assertOpen();
    return inspect(this.#ctx, r!);
  }

  /**
   * A leader election among every process that creates one with this name: call
   * `start()` to campaign, `stop()` to resign. See Election for what it guarantees.
   */
  election(name: string, options: ElectionOptions): Election {
    const n = stringArg('name', name, false);
    const o = resolveElectionOptions(options, this.#options);
    this.#assertOpen();
    return new Election(this.#ctx, n, o);
  }

  /**
   * Runs `fn` once per scheduled time across every process that schedules this name, on one
   * of them, never two runs at once: `{ every: ms }` (periods aligned to the epoch) or
   * `{ cron: '0 2 * * *', timezone? }` (croner's syntax; 6 fields with seconds first). A run
   * that crashes is taken over once its lease runs out. See Schedule for missed times. Starts
   * now; the handle's `stop()` ends it. `fn` gets an AbortSignal that aborts if its run lock is lost.
   */
  schedule(name: string, options: ScheduleOptions, fn: ScheduledFn): Schedule {
    const n = stringArg('name', name, false);
    const o = resolveScheduleOptions(options, this.#options);
    const f = fnArg<ScheduledFn>('fn', fn);
    this.#assertOpen();
    return new Schedule(this.#ctx, n, o, f);
  }

  /**
   * Runs `fn` once across the fleet (a migration): the first caller runs it, the others wait
   * for it and resolve `{ ran: false }`. A failed run is not recorded: the next caller runs it.
   */
  async once<T>(name: string, fn: (signal: AbortSignal) => T | Promise<T>, options?: OnceOptions): Promise<OnceResult<T>> {
    const n = stringArg('name', name, false);
    const f = fnArg<(signal: AbortSignal) => T | Promise<T>>('fn', fn);
    const o = resolveOnceOptions(options, this.#options);
    this.#assertOpen();
    return once(this.#ctx, n, f, o);
  }

  /**
   * A counting semaphore: at most `permits` holders at once. Each permit is a Lock (release,
   * extend, signal, fencing) on one of `permits` slots. `ttl` is the default for its calls.
   */
  semaphore(name: string, options: SemaphoreOptions): Semaphore {
    const n = stringArg('name', name, false);
    const o = resolveSemaphoreOptions(options);
    this.#assertOpen();
    return new Semaphore(this.#ctx, n, o.permits, o.ttl);
  }

  /**
   * A read-write lock: `rw.read` and `rw.write`, each with the lock's shapes (tryAcquire,
   * tryLock, acquire, using). Readers share; a writer excludes readers and other writers;
   * a waiting writer stops new readers. `ttl` is the default for its calls. See ReadWriteLock.
   */
  readWriteLock(name: string, options: ReadWriteLockOptions): ReadWriteLock {
    const n = stringArg('name', name, false);
    const o = resolveRwOptions(options, this.#options);
    this.#assertOpen();
    return new ReadWriteLock(this.#ctx, n, o.ttl);
  }

  /**
   * A fixed-window counter: `add(n)` resolves the count in the current window; with a
   * `limit`, a WindowVerdict (`allowed`, `remaining`, `resetMs`) — a rate limiter.
   */
  windowCounter(name: string, options: WindowCounterOptions & { limit: number }): WindowCounter<WindowVerdict>;
  windowCounter(name: string, options: WindowCounterOptions): WindowCounter<number>;
  windowCounter(name: string, options: WindowCounterOptions): WindowCounter<number> | WindowCounter<WindowVerdict> {
    const n = stringArg('name', name, false);
    const o = resolveWindowOptions(options);
    this.#assertOpen();
    return o.limit === undefined
      ? new WindowCounter<number>(this.#ctx, n, o.window, undefined)
      : new WindowCounter<WindowVerdict>(this.#ctx, n, o.window, o.limit);
  }

  /**
   * A cluster-unique, increasing sequence: `await redlock.sequence('invoices').next()`.
   * One round trip per value (two on a Sequence object's first use on N instances).
   */
  sequence(name: string): Sequence {
    const n = stringArg('name', name, false);
    this.#assertOpen();
    // One object per name: it remembers the counter, so each value costs one round trip.
    let seq = this.#sequences.get(n);
    if (seq === undefined) this.#sequences.set(n, (seq = new Sequence(this.#ctx, n)));
    return seq;
  }

  /**
   * Deletes a lock on every server, whoever holds it, and wakes its waiters (what `tenure
   * release --force` does). For an operator who knows the holder is gone: a holder that still
   * runs learns at its next renewal, and fencing keeps its late writes out. Resolves each
   * server's answer. Sequences and window counters are refused (they are not locks).
   */
  async forceRelease(resource: string): Promise<readonly ForcedOnServer[]> {
    if (Array.isArray(resource)) throw new TypeError('Expected `resource` to be a string: forceRelease deletes one lock');
    const [r] = resolveResources(resource, false);
    if (!isLockResource(r!))
      throw new RangeError(`Expected \`resource\` to name a lock, got ${JSON.stringify(r)}: a sequence or a window counter`);
    this.#assertOpen();
    return forceRelease(this.#ctx, r!);
  }

  /**
   * Declares every server's data complete now — a deliberate fresh start (a new deployment,
   * a test suite) — so that `restartQuarantine` does not hold a new server out. Only for
   * servers that hold no lock anyone relies on: it tells the quarantine that nothing was
   * lost. A later restart, flush or eviction is noticed again as usual. Resolves the labels
   * marked; throws QuorumError when a server could not be marked (Cluster endpoints keep
   * their uptime check and are left out).
   */
  async markFresh(): Promise<readonly string[]> {
    this.#assertOpen();
    return markFresh(this.#ctx);
  }

  /**
   * Releases the locks this Redlock still holds, then closes the connections it opened.
   * Borrowed clients stay open. Idempotent; later calls on this Redlock throw.
   */
  close(): Promise<void> {
    this.#closed ??= closeContext(this.#ctx);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError();
  }
}
