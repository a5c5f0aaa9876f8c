/**
 * A fixed-window counter: how many times something happened in the current window (the
 * seed article's request counter), and, with a `limit`, a rate limiter that refuses an add
 * that would pass it. One script per add: the window comes from the server's clock, the
 * count and its expiry change together.
 *
 * On one server the count is exact. On N servers every add goes to all of them and the
 * answer is the highest count among the answers that decided it; an add is allowed when a
 * quorum counted it. Counts can drift apart by the adds a minority missed or counted alone
 * (a rate limiter, not a lock): use one server (or a replicated one) where the count must be
 * exact.
 */
import { show } from '../args.js';
import type { Context } from '../core/context.js';
import { fanOut } from '../core/fan-out.js';
import { decodeWindow } from '../core/replies.js';
import { QuorumError } from '../errors.js';
import { windowKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';

/** The answer of a counter with a limit. */
export interface WindowVerdict {
  /** Whether the add was counted (it did not pass the limit). */
  readonly allowed: boolean;
  /** The count in the current window, after the add if allowed. */
  readonly count: number;
  /** How many more may be added in this window. */
  readonly remaining: number;
  /** Milliseconds until the window ends and the count starts again from 0. */
  readonly resetMs: number;
}

export class WindowCounter<R = number> {
  readonly name: string;
  readonly window: number;
  readonly limit: number | undefined;
  readonly #ctx: Context;
  readonly #key: string;

  /** @internal Made by `redlock.windowCounter(name, options)`. */
  constructor(ctx: Context, name: string, window: number, limit: number | undefined) {
    this.#ctx = ctx;
    this.name = name;
    this.window = window;
    this.limit = limit;
    this.#key = windowKey(ctx.options.keyPrefix, name);
  }

  /**
   * Adds `n` (a positive integer, default 1) in the current window. Resolves the count
   * (without a limit) or a WindowVerdict (with one). One round trip.
   */
  async add(n = 1): Promise<R> {
    if (typeof n !== 'number') throw new TypeError(`Expected \`n\` to be a positive safe integer, got ${show(n)}`);
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Expected \`n\` to be a positive safe integer, got ${String(n)}`);
    this.#ctx.assertOpen();
    const script = lua.windowAdd({ counter: this.#key }, { window: this.window, n, limit: this.limit ?? 0 });
    const ballot = await fanOut(this.#ctx, { script, yes: 'counted', decode: decodeWindow });
    // Settled once decided: a quorum counted the add (allowed), or no quorum can (refused).
    if (ballot.verdict === 'unreachable') {
      throw new QuorumError(`could not count in ${JSON.stringify(this.name)}`, [this.name], ballot.outcomes, this.#ctx.quorum);
    }
    let count = 0;
    let resetMs = 0;
    for (let i = 0; i < ballot.data.length; i++) {
      const d = ballot.data[i];
      if (d === undefined) continue;
      count = Math.max(count, d.count);
      resetMs = Math.max(resetMs, d.resetMs);
    }
    if (this.limit === undefined) return count as R;
    const allowed = ballot.verdict === 'quorum';
    const verdict: WindowVerdict = { allowed, count, remaining: Math.max(0, this.limit - count), resetMs };
    return verdict as R;
  }
}
