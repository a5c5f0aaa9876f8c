/**
 * Full coverage: a lock holds every server it can reach, not a bare majority.
 *
 * Why: under contention a winner often has a bare majority — a contender's partial vote sits
 * on the remaining server for a round trip until it is undone. If one of the winner's
 * servers then loses the key (restarted empty, flushed, evicted, expired early by a fast
 * clock), the contender's next attempt finds a majority free. Holding the rest too closes
 * that: at N=3, one server losing its data can then never give anyone a majority.
 *
 * How: after a win that was not unanimous, each server that did not take the value (held by
 * another, quarantined, failed, or a late no) is tried again in the background — extend.lua
 * on that one server, which sets the key only where it is absent, never over another value —
 * after a short pause that doubles, until it holds the value or the lock is released, lost
 * or out of validity. Renewals re-take lost keys the same way (extend.lua), and hand a
 * server that refused back here. The acquire path pays no round trip for any of it.
 */
import type { Context } from '../core/context.js';
import { sleep } from '../core/sleep.js';
import { PLAIN, type LockOps } from './kind.js';
import type * as ops from './ops.js';

/** What coverage needs of the lock it covers. */
export interface Covered {
  /** The resources it holds (known once the attempt is won: a semaphore's servers pick them). */
  readonly resources: readonly string[];
  /** Milliseconds of validity left (0 once released or lost). */
  remaining(): number;
}

/** First pause before trying a server again: about the time a contender takes to undo. */
const FIRST_PAUSE = 3;
/** Longest pause while a server holds another value, or fails. */
const MAX_PAUSE = { held: 100, error: 1_000 } as const;

export class Coverage implements ops.Uncovered {
  readonly #ctx: Context;
  readonly #value: string;
  readonly #ops: LockOps;
  #lock: Covered | undefined;
  /** Servers to cover once the lock exists (misses reported while it was being made). */
  #early: number[] | undefined;
  #trying: Map<number, Promise<void>> | undefined;
  #stopped = false;

  constructor(ctx: Context, value: string, kind: LockOps = PLAIN) {
    this.#ctx = ctx;
    this.#value = value;
    this.#ops = kind;
  }

  /** The lock now exists: cover what was missed meanwhile. */
  attach(lock: Covered): void {
    this.#lock = lock;
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined) for (const i of early) this.miss(i);
  }

  /** Server `index` does not hold the value: keep trying it. */
  miss(index: number): void {
    if (this.#stopped) return;
    if (this.#lock === undefined) {
      (this.#early ??= []).push(index);
      return;
    }
    this.#trying ??= new Map();
    if (this.#trying.has(index)) return;
    const loop = this.#cover(index, this.#lock).finally(() => this.#trying!.delete(index));
    this.#trying.set(index, loop);
  }

  /**
   * The lock is being released: nothing more is sent. (A cover sent after the release on that
   * connection would set the key again where the release had just found it gone.)
   */
  stop(): void {
    this.#stopped = true;
  }

  /** How many servers are being tried now (for tests and inspection). */
  get pending(): number {
    return (this.#trying?.size ?? 0) + (this.#early?.length ?? 0);
  }

  async #cover(index: number, lock: Covered): Promise<void> {
    let pause = FIRST_PAUSE;
    for (;;) {
      await sleep(pause * (0.5 + Math.random()), undefined, { unref: true });
      const ttl = lock.remaining();
      if (ttl <= 0 || this.#stopped) return;
      let status: string;
      try {
        status = await this.#ops.cover(this.#ctx, index, lock.resources, this.#value, ttl);
      } catch {
        status = 'error';
      }
      if (status === 'extended' || status === 'retaken') return;
      pause = Math.min(pause * 2, status === 'error' ? MAX_PAUSE.error : MAX_PAUSE.held);
    }
  }
}
