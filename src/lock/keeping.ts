/**
 * How a Lock is kept: until when it is valid (on the monotonic clock, and its wall-clock
 * estimate), which keeper renews it (core/keeper.ts, the Redlock's batched keeper
 * core/renewer.ts, or the keeper thread core/thread/host.ts) or only watches it for expiry,
 * and what a batch renewal's answers mean for it. The Lock owns its state (held, released,
 * lost) and its events; it tells this what it needs through the Kept interface.
 */
import { drift } from '../core/context.js';
import type { Context } from '../core/context.js';
import { verdictOf } from '../core/ballot.js';
import { Keeper } from '../core/keeper.js';
import type { KeeperLike, Renewable, Tally } from '../core/renewer.js';
import type { SharedKeeper } from '../core/thread/host.js';
import type { InstanceOutcome } from '../errors.js';
import { LockLostError } from '../errors.js';
import type { Coverage } from './coverage.js';
import type { LockOps } from './kind.js';
import { lockKeys } from './ops.js';

/** What keeping needs of the lock it keeps. */
export interface Kept {
  readonly ctx: Context;
  readonly ops: LockOps;
  readonly resources: readonly string[];
  readonly value: string;
  readonly coverage: Coverage | undefined;
  /** Still held (not released, not lost): its state, not its validity. */
  held(): boolean;
  /** Milliseconds of validity left (0 once released or lost). */
  remaining(): number;
  /** The ttl renewals keep (the one asked for last). */
  ttl(): number;
  /** One extension, as lock.extend() (LockLostError when a quorum says it is gone). */
  extend(): Promise<void>;
  /** Marks it lost (once). */
  lose(reason: 'expired' | 'taken', outcomes: InstanceOutcome[], cause?: unknown): void;
  /** A renewal moved its validity: `left` ms now (its 'extended' event). */
  extended(left: number): void;
}

export class Keeping {
  readonly #lock: Kept;
  /** Monotonic time the lock is valid until. */
  #validUntil: number;
  #expiresAt: number;
  #extensions = 0;
  #keeper: KeeperLike | undefined;
  /** The keeper thread's keeper (`keeper: 'thread'`): validity read from shared memory. */
  #shared: SharedKeeper | undefined;
  #renews = false;

  constructor(lock: Kept, validUntil: number) {
    this.#lock = lock;
    this.#validUntil = validUntil;
    this.#expiresAt = Date.now() + (validUntil - lock.ctx.options.clock.now());
  }

  /** Milliseconds of validity left now, for a lock still held. */
  left(): number {
    // Renewed on the keeper thread: its latest validity is in shared memory, true even while
    // its messages wait for this thread (and -Infinity once it found the lease lost).
    const shared = this.#shared?.validUntil();
    if (shared !== undefined) {
      if (shared === -Infinity) return 0;
      if (shared > this.#validUntil) this.#validUntil = shared;
    }
    return Math.max(0, Math.floor(this.#validUntil - this.#lock.ctx.options.clock.now()));
  }

  /** Wall-clock time (ms since the epoch) the validity runs out, as estimated locally. */
  get expiresAt(): number {
    return this.#expiresAt;
  }

  /** How many times it was extended so far (manual and automatic renewals). */
  get extensions(): number {
    return this.#extensions;
  }

  /** An extension made it valid until `validUntil` (monotonic time); `counted`: in `extensions`. */
  extendTo(validUntil: number, counted = true): void {
    this.#validUntil = validUntil;
    this.#expiresAt = Date.now() + (validUntil - this.#lock.ctx.options.clock.now());
    if (counted) this.#extensions++;
  }

  /** Whether a keeper renews it (autoExtend), rather than only watching for its expiry. */
  get renews(): boolean {
    return this.#renews;
  }

  get running(): boolean {
    return this.#keeper?.running === true;
  }

  stop(): void {
    this.#keeper?.stop();
  }

  /** Settles once no renewal is on its way, its answer applied (a release waits for it). */
  idle(): Promise<void> | undefined {
    return this.#keeper?.idle();
  }

  /** Re-arm after the validity changed from outside (a manual extend). */
  poke(): void {
    this.#keeper?.poke();
  }

  /** Renew every `interval` ms from now on, or (null) watch for expiry only. */
  keep(interval: number | null): void {
    const lock = this.#lock;
    const ctx = lock.ctx;
    if (this.#keeper?.running && (interval === null || this.#renews)) return;
    this.#keeper?.stop();
    this.#renews = interval !== null;
    const lease: Renewable = {
      remaining: () => lock.remaining(),
      renew: async () => {
        try {
          await lock.extend();
          return 'renewed';
        } catch (error) {
          if (error instanceof LockLostError) return 'lost';
          throw error;
        }
      },
      lost: (reason, cause) => lock.lose(reason, [], cause),
      keys: lockKeys(ctx, lock.resources),
      value: lock.value,
      ttl: () => lock.ttl(),
      apply: (start, ttl, tally) => this.#apply(start, ttl, tally),
    };
    const retry = Math.min(ctx.options.retryDelay || 50, Math.max(1, Math.floor(lock.ttl() / 10)));
    // Plain locks (and semaphore permits, which are plain lock keys) renew through the
    // Redlock's batched keeper (core/renewer.ts: extend-batch.lua renews plain lock keys);
    // other kinds (read-write locks) renew one at a time with their own script.
    // With `keeper: 'thread'`, plain leases renew on the keeper thread (core/thread/host.ts).
    const renewer = lock.ops.kind === 'lock' ? ctx.renewer : undefined;
    const thread = lock.ops.kind === 'lock' ? ctx.thread : undefined;
    this.#shared = interval === null ? undefined : thread?.keep(lease, { interval, retry }, () => this.#threadRenewed());
    this.#keeper =
      this.#shared ??
      (interval !== null && renewer !== undefined ? renewer.keep(lease, { interval, retry }) : new Keeper(lease, { interval, retry }));
    this.#keeper.start();
  }

  /** The keeper thread renewed this lock (the new validity is already in shared memory). */
  #threadRenewed(): void {
    const left = this.#lock.remaining();
    if (left <= 0) return;
    this.#expiresAt = Date.now() + left;
    this.#extensions++;
    this.#lock.extended(left);
  }

  /**
   * An extension that did not reach a quorum takes back the keys it re-took: a re-take
   * stands only where a quorum held the lock at that moment. Else the next extension would
   * count a server that had lost the lock — one in quarantine, say — as a vote.
   */
  takeBackRetakes(outcomes: readonly InstanceOutcome[]): void {
    const lock = this.#lock;
    outcomes.forEach((o, i) => {
      if (o.status === 'retaken') lock.ops.takeBack(lock.ctx, i, lock.resources, lock.value, lock.ttl());
    });
  }

  /** A batch renewal's answers for this lock (see lock.extend() for the same steps, one lock at a time). */
  #apply(start: number, ttl: number, tally: Tally): 'renewed' | 'lost' | 'failed' {
    const lock = this.#lock;
    const ctx = lock.ctx;
    if (!lock.held()) return 'lost';
    tally.outcomes.forEach((o, i) => {
      if (o.status === 'not-held') lock.coverage?.miss(i);
    });
    const verdict = verdictOf(tally, ctx.instances.length, ctx.quorum);
    if (verdict === 'quorum') {
      const validUntil = start + ttl - drift(ctx, ttl);
      if (validUntil <= ctx.options.clock.now()) {
        lock.lose('expired', tally.outcomes);
        return 'lost';
      }
      this.#validUntil = Math.max(this.#validUntil, validUntil);
      this.#expiresAt = Date.now() + (this.#validUntil - ctx.options.clock.now());
      this.#extensions++;
      lock.extended(lock.remaining());
      return 'renewed';
    }
    this.takeBackRetakes(tally.outcomes);
    if (verdict === 'refused') {
      lock.lose('taken', tally.outcomes);
      return 'lost';
    }
    return 'failed';
  }
}
