/**
 * A counting semaphore: at most `permits` holders at once, across every process.
 *
 * Each permit is a slot, and each slot is an ordinary Tenure lock on
 * `semaphore:${name}#${slot}`. Holding a permit is holding one slot's lock, so everything
 * the lock guarantees holds per slot — and at most `permits` holders exist at once, on one
 * instance or on a quorum of N. (Counting holders in one set per instance would not be safe
 * on N instances: with 2 permits on 3 instances, holders on {1,2}, {2,3} and {1,3} fill no
 * instance past 2, yet three hold a permit.) A permit is a Lock: release, extend,
 * auto-extension, `signal` and fencing tokens (per slot) work as for any lock.
 *
 * Taking one: try the slots from a random one on, one attempt (one round trip) each; when
 * every slot is held, wait for a release on any slot (pub/sub wakes a waiter at once) or
 * retryDelay + jitter, then go round again.
 */
import type { Context } from '../core/context.js';
import { LockTimeoutError, QuorumError } from '../errors.js';
import { isReplyError } from '../core/quorum.js';
import { releaseChannel, semaphoreSlot } from '../keys.js';
import { acquire } from '../lock/acquire.js';
import type { Lock } from '../lock/lock.js';
import {
  fnArg,
  plainObject,
  resolveAcquireOptions,
  type AcquireOptions,
  type ResolvedAcquire,
  type TryAcquireOptions,
  type UsingOptions,
} from '../options.js';
import { runUsing } from '../lock/using.js';

/** Options of a semaphore's tryAcquire / acquire / using: the lock's, with the semaphore's ttl by default. */
export type PermitOptions<O> = Omit<O, 'ttl'> & { ttl?: number };

export class Semaphore {
  /** The semaphore's name. */
  readonly name: string;
  /** How many holders it admits at once. */
  readonly permits: number;
  readonly #ctx: Context;
  readonly #slots: readonly string[];
  readonly #ttl: number;

  /** @internal Made by `redlock.semaphore(name, options)`. */
  constructor(ctx: Context, name: string, permits: number, ttl: number) {
    this.#ctx = ctx;
    this.name = name;
    this.permits = permits;
    this.#ttl = ttl;
    this.#slots = Array.from({ length: permits }, (_, i) => semaphoreSlot(name, i));
  }

  /** One look at every slot: a permit (a Lock), or null when all are held. */
  async tryAcquire(options?: PermitOptions<TryAcquireOptions>): Promise<Lock | null> {
    return this.#start('try', options, true);
  }

  /** Waits up to `wait` ms for a permit; LockTimeoutError when none came free. */
  async acquire(options?: PermitOptions<AcquireOptions>): Promise<Lock> {
    return (await this.#start('acquire', options, false))!;
  }

  /** Runs `routine` holding a permit, auto-extended, and gives it back after (see Redlock.using). */
  async using<T>(options: PermitOptions<UsingOptions> | undefined, routine: (permit: Lock) => Promise<T> | T): Promise<T> {
    const f = fnArg<(permit: Lock) => Promise<T> | T>('routine', routine);
    return runUsing((await this.#start('using', options, false))!, f);
  }

  #start(kind: 'try' | 'acquire' | 'using', options: unknown, nullWhenHeld: boolean): Promise<Lock | null> {
    const o = resolveAcquireOptions(kind, { ttl: this.#ttl, ...plainObject('options', options ?? {}) }, this.#ctx.options);
    this.#ctx.assertOpen();
    return this.take(o, nullWhenHeld);
  }

  /**
   * @internal Takes a permit: the Lock of a free slot; null (when `nullWhenHeld`) or
   * LockTimeoutError when every slot stayed held for `o.wait` ms.
   */
  async take(o: ResolvedAcquire, nullWhenHeld: boolean): Promise<Lock | null> {
    const ctx = this.#ctx;
    const clock = ctx.options.clock;
    const started = clock.now();
    const single = { ...o, wait: 0 };
    let channels: string[] | undefined;
    let rounds = 0;
    try {
      for (;;) {
        o.signal?.throwIfAborted();
        ctx.assertOpen();
        rounds++;
        const since = channels === undefined ? undefined : ctx.wakeup.generation(channels);
        let failure: QuorumError | undefined;
        let held = 0;
        const first = Math.floor(Math.random() * this.permits);
        for (let k = 0; k < this.permits; k++) {
          const slot = this.#slots[(first + k) % this.permits]!;
          try {
            const lock = await acquire(ctx, [slot], single, true); // one attempt, one round trip
            if (lock) return lock;
            held++;
          } catch (error) {
            if (!(error instanceof QuorumError) || isPermanent(error, ctx.quorum)) throw error;
            failure = error;
          }
        }
        if (held === 0 && failure && nullWhenHeld) throw failure; // no slot could even be asked
        const waited = clock.now() - started;
        const left = o.wait - waited;
        if (left <= 0) {
          if (nullWhenHeld) return null;
          throw new LockTimeoutError([this.name], failure?.outcomes ?? [], rounds, Math.round(waited), { cause: failure });
        }
        if (channels === undefined) {
          // Listen for a release on any slot, then look once more (one may have come meanwhile).
          channels = this.#slots.map((s) => releaseChannel(ctx.options.keyPrefix, s));
          await ctx.wakeup.subscribe(channels);
          continue;
        }
        const pause = o.retryDelay + Math.floor(Math.random() * o.retryJitter);
        await ctx.wakeup.wait(channels, Math.min(pause, left), o.signal, since);
      }
    } finally {
      if (channels !== undefined) ctx.wakeup.unsubscribe(channels);
    }
  }
}

/** A reply error on too many instances (WRONGTYPE on a slot key): retrying cannot fix it. */
function isPermanent(error: QuorumError, quorum: number): boolean {
  const replyErrors = error.outcomes.filter((o) => o.status === 'error' && isReplyError(o.error)).length;
  return replyErrors > error.outcomes.length - quorum;
}
