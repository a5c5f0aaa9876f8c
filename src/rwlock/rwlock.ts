/**
 * A read-write lock: readers share, a writer excludes readers and other writers, on one
 * server or a quorum of N.
 *
 * Safety model. On each server the lock is three keys in one hash slot: the writer's key (a
 * string, PX its ttl), the readers (a sorted set: each reader's value scored by its own
 * expiry, so a crashed reader's share frees at its ttl) and the waiting writers (a sorted set
 * of marks, scored by expiry). rw-acquire.lua, atomically per server, gives a writer its key
 * only where no other writer and no live reader is, and a reader its share only where no
 * writer and no waiting writer is. A side holds the lock when a quorum (N/2+1) gave it its
 * share, within the validity (ttl − elapsed − drift), exactly as a plain lock.
 *
 * Why a writer excludes readers on N servers: let writer W hold a quorum Qw and reader R a
 * quorum Qr at the same moment. Two majorities of N share a server x. On x both shares are
 * present at once — each was granted (or renewed) there and neither has expired there yet,
 * given the clock assumptions of every lock. The one of the two that arrived at x second ran
 * rw-acquire.lua (or the re-take of rw-extend.lua) there while the other's share was present,
 * and both scripts refuse that: contradiction. Two writers are excluded the same way (the
 * writer's key is a plain lock key). Readers never refuse readers.
 *
 * Writers are not starved: a writer that waits (acquire, using) marks itself waiting on every
 * server that refused it, and a server with a live mark turns new readers away. Readers
 * already in keep their shares until they release (or their ttl runs out); then the writer
 * is woken by the release message and enters. A mark lasts `2 × (retryDelay + retryJitter) +
 * commandTimeout` and each attempt renews it, so a writer that crashes while waiting holds
 * readers off for at most that long; one that gives up takes its marks away at once.
 * Waiters are woken by release messages (every share's release publishes on the lock's
 * channel), not by polling.
 *
 * The rest is the lock's: full coverage of the servers a side did not win (re-takes never
 * pass over the other side), auto-extension and `signal` through the keeper, the restart
 * quarantine (a server that may have lost data does not vote), fencing tokens for writers
 * (the writer's key is an ordinary lock key: the plain two-phase token). Readers get no
 * fencing token: they do not write. Not guaranteed: protection against a holder that pauses
 * past its validity (use the writer's fencing token where it writes), FIFO order among
 * waiters, or reader preference.
 */
import type { Context } from '../core/context.js';
import { rwResource } from '../keys.js';
import { acquire, lockValue, type AcquireExtra } from '../lock/acquire.js';
import type { Lock } from '../lock/lock.js';
import { tryLock, type LockAttempt } from '../lock/try-lock.js';
import { runUsing } from '../lock/using.js';
import { fnArg, plainObject } from '../args.js';
import {
  resolveAcquireOptions,
  type AcquireOptions,
  type ResolvedAcquire,
  type TryAcquireOptions,
  type UsingOptions,
} from '../options/index.js';
import { release, sideOps, type Side } from './ops.js';

/** Options of a side's calls: the lock's, with the read-write lock's ttl by default. */
export type SideOptions<O> = Omit<O, 'ttl'> & { ttl?: number };

type Kind = 'try' | 'acquire' | 'using';

/** One side of a read-write lock (`rw.read`, `rw.write`): the shapes of a lock. */
export class ReadWriteSide {
  /** 'read' or 'write'. */
  readonly side: Side;
  readonly #ctx: Context;
  readonly #resource: string;
  readonly #ttl: number;

  /** @internal Made by `redlock.readWriteLock(name, options)`. */
  constructor(ctx: Context, name: string, side: Side, ttl: number) {
    this.#ctx = ctx;
    this.side = side;
    this.#resource = rwResource(name);
    this.#ttl = ttl;
  }

  /** One attempt: a Lock, or null when the other side (or a writer, or a waiting writer) holds it. */
  async tryAcquire(options?: SideOptions<TryAcquireOptions>): Promise<Lock | null> {
    return this.#take(this.#resolve('try', options), true);
  }

  /** One attempt that reports its outcome (`isAcquired`, `status`, per-server answers). */
  async tryLock(options?: SideOptions<TryAcquireOptions>): Promise<LockAttempt> {
    const o = this.#resolve('try', options);
    return tryLock((extra) => this.#take(o, true, extra));
  }

  /** Waits up to `wait` ms; LockTimeoutError when the lock stayed taken. A waiting writer stops new readers. */
  async acquire(options?: SideOptions<AcquireOptions>): Promise<Lock> {
    return (await this.#take(this.#resolve('acquire', options), false))!;
  }

  /** Runs `routine` holding this side, auto-extended, and releases after (see Redlock.using). */
  async using<T>(options: SideOptions<UsingOptions> | undefined, routine: (lock: Lock) => Promise<T> | T): Promise<T> {
    const f = fnArg<(lock: Lock) => Promise<T> | T>('routine', routine);
    const o = this.#resolve('using', options);
    return runUsing((await this.#take(o, false))!, f);
  }

  #resolve(kind: Kind, options: unknown): ResolvedAcquire {
    const given = plainObject('options', options ?? {});
    if (this.side === 'read' && given.fence === true) {
      throw new TypeError('Expected `options.fence` to be false on the read side: fencing tokens are issued to writers only');
    }
    const o = resolveAcquireOptions(kind, { ttl: this.#ttl, ...given }, this.#ctx.options);
    this.#ctx.assertOpen();
    return this.side === 'read' ? { ...o, fence: false } : o;
  }

  async #take(o: ResolvedAcquire, nullWhenHeld: boolean, extra: AcquireExtra = {}): Promise<Lock | null> {
    const ctx = this.#ctx;
    if (this.side === 'read' || o.wait === 0) {
      return acquire(ctx, [this.#resource], o, nullWhenHeld, ctx.options.owner, { ...extra, ops: sideOps(this.side) });
    }
    // A waiting writer marks itself where it is refused; the marks go when it stops waiting
    // (the servers that gave it the lock took them away already; the others wake their readers).
    const waiting = { id: `wait.${lockValue(ctx.options.owner)}`, ms: 2 * (o.retryDelay + o.retryJitter) + ctx.options.commandTimeout };
    const unmark = (): Promise<unknown> => release(ctx, [this.#resource], waiting.id, waiting.ms).catch(() => undefined);
    let lock: Lock | null;
    try {
      lock = await acquire(ctx, [this.#resource], o, nullWhenHeld, ctx.options.owner, { ...extra, ops: sideOps('write', waiting) });
    } catch (error) {
      await unmark(); // gave up: readers may enter as soon as this rejects
      throw error;
    }
    void unmark(); // (held: readers wait for its release anyway)
    return lock;
  }
}

/** `redlock.readWriteLock(name, { ttl })`: `read` and `write` sides, each with the lock's shapes. */
export class ReadWriteLock {
  readonly name: string;
  /** Readers share. */
  readonly read: ReadWriteSide;
  /** A writer excludes readers and other writers. */
  readonly write: ReadWriteSide;

  /** @internal */
  constructor(ctx: Context, name: string, ttl: number) {
    this.name = name;
    this.read = new ReadWriteSide(ctx, name, 'read', ttl);
    this.write = new ReadWriteSide(ctx, name, 'write', ttl);
  }
}
