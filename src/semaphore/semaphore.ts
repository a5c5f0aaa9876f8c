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
 * Taking k permits (`{ permits: k }`, all or nothing; one by default): one round trip — one
 * sem-pick.lua call per server takes the first k free slots of a list the client gives (the
 * same order on every server, from a random slot on), and the permit is the plain Lock on the
 * k slots a quorum of servers took; semaphore/pick.ts argues why that stays safe when the
 * servers disagree on which slots are free. When fewer than k are free, the waiter wakes on
 * a release of any slot (pub/sub) or after retryDelay + jitter, like any lock's waiter.
 * On a Redis Cluster endpoint (each slot in its own hash slot, out of one script's reach) a
 * permit tries the slots one after another, one round trip each, and k must be 1.
 */
import type { Context } from '../core/context.js';
import { semaphoreSlot } from '../keys.js';
import { acquire } from '../lock/acquire.js';
import { inspect } from '../lock/inspect.js';
import { PLAIN, type KindAttempt, type LockOps } from '../lock/kind.js';
import type { Lock } from '../lock/lock.js';
import { pickOps } from './pick.js';
import { fnArg, plainObject, show } from '../args.js';
import {
  resolveAcquireOptions,
  type AcquireOptions,
  type ResolvedAcquire,
  type TryAcquireOptions,
  type UsingOptions,
} from '../options/index.js';
import { runUsing } from '../lock/using.js';

/**
 * Options of a semaphore's tryAcquire / acquire / using: the lock's, with the semaphore's ttl
 * by default, and `permits`: how many to take at once, all or nothing (default 1).
 */
export type PermitOptions<O> = Omit<O, 'ttl'> & { ttl?: number; permits?: number };

/** What `semaphore.inspect()` saw: permits held and free, and who holds them. */
export interface SemaphoreInfo {
  readonly name: string;
  readonly permits: number;
  /** Permits a quorum of servers agrees are held. */
  readonly held: number;
  readonly free: number;
  /** One entry per held permit: its slot, holder's owner label, and ms left. */
  readonly holders: ReadonlyArray<{ readonly slot: string; readonly owner: string | null; readonly remaining: number }>;
}

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

  /** Each slot's state on the servers (one inspect per slot, in parallel). Changes nothing. */
  async inspect(): Promise<SemaphoreInfo> {
    this.#ctx.assertOpen();
    const seen = await Promise.all(this.#slots.map((slot) => inspect(this.#ctx, slot)));
    const holders = seen.filter((s) => s.held).map((s) => ({ slot: s.resource, owner: s.owner, remaining: s.remaining }));
    return { name: this.name, permits: this.permits, held: holders.length, free: this.permits - holders.length, holders };
  }

  #start(kind: 'try' | 'acquire' | 'using', options: unknown, nullWhenHeld: boolean): Promise<Lock | null> {
    const { permits, ...rest } = plainObject('options', options ?? {});
    const k = permitCount(permits, this.permits);
    const o = resolveAcquireOptions(kind, { ttl: this.#ttl, ...rest }, this.#ctx.options);
    if (k > 1 && this.#ctx.instances.some((i) => i.cluster)) {
      throw new RangeError(
        `Expected \`options.permits\` to be 1 on a Redis Cluster endpoint (a semaphore's slots live in different hash slots), got ${k}`,
      );
    }
    this.#ctx.assertOpen();
    return this.take(o, nullWhenHeld, k);
  }

  /**
   * @internal Takes a permit: the Lock of a free slot; null (when `nullWhenHeld`) or
   * LockTimeoutError when every slot stayed held for `o.wait` ms.
   */
  take(o: ResolvedAcquire, nullWhenHeld: boolean, k = 1): Promise<Lock | null> {
    const ctx = this.#ctx;
    // One round trip per attempt (semaphore/pick.ts); slot by slot only on a Cluster.
    const ops = ctx.instances.some((i) => i.cluster) ? SLOT_BY_SLOT : pickOps(k);
    return acquire(ctx, this.#slots, o, nullWhenHeld, ctx.options.owner, { ops });
  }
}

/**
 * On a Redis Cluster a semaphore's slots live in different hash slots, so no one script can
 * pick among them: an attempt tries one slot after another (a plain one-resource attempt
 * each, from a random first slot) until one is won, and reports the last refusal — a slot
 * held rather than one that failed, so that contention is not taken for an error.
 */
const SLOT_BY_SLOT: LockOps = {
  ...PLAIN,
  attempt: async (ctx, slots, value, ttl, fence, uncovered) => {
    const first = Math.floor(Math.random() * slots.length);
    let refused: KindAttempt | undefined;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[(first + i) % slots.length]!;
      const a = await PLAIN.attempt(ctx, [slot], value, ttl, fence, uncovered);
      if (a.ok) return { ...a, resources: [slot] };
      if (refused === undefined || a.ballot.verdict !== 'unreachable') refused = a;
    }
    return refused!;
  },
};

/** `options.permits`: an integer from 1 to the semaphore's permits (default 1). */
function permitCount(value: unknown, most: number): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number') {
    throw new TypeError(`Expected \`options.permits\` to be an integer from 1 to ${most}, got ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > most) {
    throw new RangeError(`Expected \`options.permits\` to be an integer from 1 to ${most}, got ${show(value)}`);
  }
  return value;
}
