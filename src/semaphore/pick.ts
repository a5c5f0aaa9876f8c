/**
 * A semaphore's permits in one round trip: one sem-pick.lua call per server takes the first k
 * free slots of a list the client gives (the same order on every server). The LockOps of a
 * permit (lock/kind.ts): the attempt is the pick, everything after it the plain lock's.
 *
 * Why this stays safe on N servers. Each slot is an ordinary lock key, and the script takes a
 * slot on a server only where it is free there, as acquire.lua would. Servers may disagree on
 * which slots are free (another client's vote sits on one of them for a round trip), and so
 * take different slots for the same value. The client then holds a set S of slots only when
 * a quorum of servers took exactly S for its value — the condition under which a plain
 * attempt on the multi-resource lock S succeeds — and it compare-and-deletes whatever the
 * other servers took (the sweep of a failed attempt's votes). So a permit is a plain Lock on
 * S, with every guarantee a lock has per slot, and there are never more holders than slots.
 * When no set reaches a quorum (a split: three clients arriving in three orders), every vote
 * is undone and the acquire loop retries after a short random pause that doubles: the same
 * re-roll that separates contenders on a plain lock, so contended permits do not livelock.
 * Each client starts its order at a random slot, so concurrent clients mostly want different
 * slots and rarely split.
 */
import { type Context, validity } from '../core/context.js';
import { isReplyError, verdictOf, type Ballot, type Decoded } from '../core/ballot.js';
import { fanOut } from '../core/fan-out.js';
import { NO_QUARANTINE, byQuarantine } from '../core/quarantine.js';
import { decodePick, type Picked } from '../core/replies.js';
import type { InstanceOutcome } from '../errors.js';
import { fenceKey } from '../keys.js';
import { PLAIN, type KindAttempt, type LockOps } from '../lock/kind.js';
import { lockKeys, takeBack, type Uncovered } from '../lock/ops.js';
import * as lua from '../lua/scripts.generated.js';

/** The ops of a permit of `k` slots: picked in one round trip, then a plain lock. */
export function pickOps(k: number): LockOps {
  return { ...PLAIN, attempt: (ctx, slots, value, ttl, fence, uncovered) => pick(ctx, slots, k, value, ttl, fence, uncovered) };
}

async function pick(
  ctx: Context,
  slots: readonly string[],
  k: number,
  value: string,
  ttl: number,
  fence: boolean,
  uncovered: Uncovered | undefined,
): Promise<KindAttempt> {
  const first = Math.floor(Math.random() * slots.length);
  const order = slots.map((_, i) => slots[(first + i) % slots.length]!);
  const keys = { slot: lockKeys(ctx, order), fence: fence ? order.map((s) => fenceKey(ctx.options.keyPrefix, s)) : [] };
  const start = ctx.options.clock.now();
  const picking = new Picking(ctx, order, value, ttl, uncovered);
  const ballot = await fanOut(ctx, {
    script: byQuarantine(ctx, (q) => {
      const { quarantine, marked } = q.args ?? NO_QUARANTINE; // (literals, not spreads: see lock/ops.ts attempt)
      return lua.semPick({ slot: keys.slot, fence: keys.fence, marker: q.marker }, { value, ttl, fence, quarantine, marked, k });
    }),
    yes: 'acquired',
    decode: decodePick,
    grants: true,
    timeout: Math.min(ctx.options.commandTimeout, ttl),
    onLate: (i, decoded, error) => picking.late(i, decoded, error),
  });
  picking.record(ballot);
  await picking.stragglers();
  const top = best(picking.took);
  const left = validity(ctx, ttl, start);
  const ok = top.count >= ctx.quorum && left > 0;
  picking.decide(ok, top.key);
  const counts = { yes: top.count, no: ballot.no, errors: ballot.errors };
  const outcomes = picking.outcomes;
  const result: Ballot<string> = { outcomes, data: [], ...counts, verdict: verdictOf(counts, ctx.instances.length, ctx.quorum) };
  if (!ok) return { ok, ballot: result, start, validity: left, token: undefined };
  const token = fence ? picking.token(top.key) : undefined;
  return { ok, ballot: result, start, validity: left, token, resources: top.key.split('\n') };
}

/**
 * One pick across the servers: which slots each took for this value (a set per server, keyed
 * by its slots joined), and, once decided, taking back every set but the one won — all of
 * them when lost — also from servers that answer late.
 */
class Picking {
  /** Server -> the slots it took for us. */
  readonly took = new Map<number, readonly string[]>();
  /** Each server's answer, as the lock reports them (a server that took other slots: `held`). */
  readonly outcomes: InstanceOutcome[] = [];
  readonly #tokens = new Map<number, string>();
  /** No answer, or lost with its connection: it may have taken any. */
  readonly #failed = new Set<number>();
  readonly #pending = new Set<number>();
  #decided: 'open' | 'won' | 'lost' = 'open';
  #won: string | undefined;
  #late: (() => void) | undefined;
  readonly #ctx: Context;
  readonly #order: readonly string[];
  readonly #value: string;
  readonly #ttl: number;
  readonly #uncovered: Uncovered | undefined;

  constructor(ctx: Context, order: readonly string[], value: string, ttl: number, uncovered: Uncovered | undefined) {
    this.#ctx = ctx;
    this.#order = order;
    this.#value = value;
    this.#ttl = ttl;
    this.#uncovered = uncovered;
  }

  #setOf(d: Picked): readonly string[] {
    return d.slots.map((p) => this.#order[p - 1]!).sort();
  }

  #undo(i: number, which: readonly string[]): void {
    takeBack(this.#ctx, i, which, this.#value, this.#ttl);
  }

  #note(i: number, decoded: Decoded<Picked> | undefined, error: Error | undefined): void {
    if (decoded?.status === 'acquired' && decoded.data) {
      this.took.set(i, this.#setOf(decoded.data));
      this.#tokens.set(i, decoded.data.token);
    } else if (error !== undefined && !isReplyError(error)) this.#failed.add(i);
  }

  /** An answer after the ballot settled: counted while undecided; after, taken back or covered. */
  late(i: number, decoded: Decoded<Picked> | undefined, error: Error | undefined): void {
    if (this.#decided === 'open') {
      this.#note(i, decoded, error);
      const label = this.#ctx.instances[i]!.label;
      this.outcomes[i] = error
        ? { instance: label, status: 'error', error }
        : { instance: label, status: decoded!.status, remaining: decoded!.remaining };
      this.#pending.delete(i);
      this.#late?.();
      return;
    }
    const set = decoded?.status === 'acquired' && decoded.data ? this.#setOf(decoded.data) : undefined;
    if (this.#decided === 'won' && set?.join('\n') !== this.#won) this.#uncovered?.miss(i);
    if (set !== undefined && set.join('\n') !== this.#won) this.#undo(i, set);
    else if (set === undefined && this.#decided === 'lost' && error !== undefined && !isReplyError(error)) this.#undo(i, this.#order);
  }

  /** The settled ballot's answers. */
  record(ballot: Ballot<Picked>): void {
    ballot.outcomes.forEach((o, i) => {
      this.outcomes[i] = o;
      if (o.status === 'pending') this.#pending.add(i);
      else this.#note(i, o.status === 'acquired' ? { status: 'acquired', data: ballot.data[i] } : undefined, o.error);
    });
  }

  /** Undecided while a straggler could still make some set a quorum: waits for it (or its timeout). */
  async stragglers(): Promise<void> {
    const quorum = this.#ctx.quorum;
    while (this.#pending.size > 0 && best(this.took).count < quorum && best(this.took).count + this.#pending.size >= quorum) {
      await new Promise<void>((resolve) => (this.#late = resolve));
    }
  }

  /** Decided: `won` (a set's key) when `ok`. Takes back every other set, and on a loss what failed servers may hold. */
  decide(ok: boolean, won: string): void {
    this.#decided = ok ? 'won' : 'lost';
    const key = (this.#won = ok ? won : undefined);
    for (const [i, set] of this.took) {
      if (set.join('\n') === key) continue;
      this.#undo(i, set);
      if (ok) this.outcomes[i] = { ...this.outcomes[i]!, status: 'held' }; // it gave us other slots: not a vote for these
    }
    for (const i of this.#failed) if (!ok) this.#undo(i, this.#order);
    this.outcomes.forEach((_, i) => {
      if (ok && !this.#pending.has(i) && this.took.get(i)?.join('\n') !== key) this.#uncovered?.miss(i);
    });
  }

  /** The fencing token: the highest of the servers that took the won set. */
  token(won: string): bigint {
    let token = 0n;
    for (const [i, t] of this.#tokens) if (t !== '' && this.took.get(i)?.join('\n') === won && BigInt(t) > token) token = BigInt(t);
    return token;
  }
}

/** The set of slots most servers took, and how many took it. */
function best(took: ReadonlyMap<number, readonly string[]>): { key: string; count: number } {
  const counts = new Map<string, number>();
  let top = { key: '', count: 0 };
  for (const set of took.values()) {
    const key = set.join('\n');
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > top.count) top = { key, count: c };
  }
  return top;
}
