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
  const took = new Map<number, readonly string[]>(); // server -> the slots it took for us
  const tokens = new Map<number, string>();
  const outcomes: InstanceOutcome[] = [];
  const failed = new Set<number>(); // no answer, or lost with its connection: it may have taken any
  const pending = new Set<number>();
  const setOf = (d: Picked): readonly string[] => d.slots.map((p) => order[p - 1]!).sort();
  const verdict: { decided: 'open' | 'won' | 'lost'; won?: string } = { decided: 'open' };
  let late: (() => void) | undefined;
  const undo = (i: number, which: readonly string[]): void => takeBack(ctx, i, which, value, ttl);
  const note = (i: number, decoded: Decoded<Picked> | undefined, error: Error | undefined): readonly string[] | undefined => {
    if (decoded?.status === 'acquired' && decoded.data) {
      took.set(i, setOf(decoded.data));
      tokens.set(i, decoded.data.token);
    } else if (error !== undefined && !isReplyError(error)) failed.add(i);
    return took.get(i);
  };
  const ballot = await fanOut(ctx, {
    script: byQuarantine(ctx, (q) => lua.semPick({ ...keys, marker: q.marker }, { value, ttl, fence, ...(q.args ?? NO_QUARANTINE), k })),
    yes: 'acquired',
    decode: decodePick,
    grants: true,
    timeout: Math.min(ctx.options.commandTimeout, ttl),
    onLate: (i, decoded, error) => {
      if (verdict.decided === 'open') {
        note(i, decoded, error);
        const label = ctx.instances[i]!.label;
        outcomes[i] = error
          ? { instance: label, status: 'error', error }
          : { instance: label, status: decoded!.status, remaining: decoded!.remaining };
        pending.delete(i);
        late?.();
        return;
      }
      const set = decoded?.status === 'acquired' && decoded.data ? setOf(decoded.data) : undefined;
      if (verdict.decided === 'won' && set?.join('\n') !== verdict.won) uncovered?.miss(i);
      if (set !== undefined && set.join('\n') !== verdict.won) undo(i, set);
      else if (set === undefined && verdict.decided === 'lost' && error !== undefined && !isReplyError(error)) undo(i, order);
    },
  });
  ballot.outcomes.forEach((o, i) => {
    outcomes[i] = o;
    if (o.status === 'pending') pending.add(i);
    else note(i, o.status === 'acquired' ? { status: 'acquired', data: ballot.data[i] } : undefined, o.error);
  });
  // Undecided while a straggler could still make some set a quorum: wait for it (or its timeout).
  while (pending.size > 0 && best(took).count < ctx.quorum && best(took).count + pending.size >= ctx.quorum) {
    await new Promise<void>((resolve) => (late = resolve));
  }
  const top = best(took);
  const left = validity(ctx, ttl, start);
  const ok = top.count >= ctx.quorum && left > 0;
  verdict.decided = ok ? 'won' : 'lost';
  const won = (verdict.won = ok ? top.key : undefined);
  for (const [i, set] of took) {
    if (set.join('\n') === won) continue;
    undo(i, set);
    if (ok) outcomes[i] = { ...outcomes[i]!, status: 'held' }; // it gave us other slots: not a vote for these
  }
  for (const i of failed) if (!ok) undo(i, order);
  outcomes.forEach((_, i) => {
    if (ok && !pending.has(i) && took.get(i)?.join('\n') !== won) uncovered?.miss(i);
  });
  const counts = { yes: top.count, no: ballot.no, errors: ballot.errors };
  const result: Ballot<string> = { outcomes, data: [], ...counts, verdict: verdictOf(counts, ctx.instances.length, ctx.quorum) };
  if (!ok) return { ok, ballot: result, start, validity: left, token: undefined };
  let token = 0n;
  for (const [i, t] of tokens) if (t !== '' && took.get(i)?.join('\n') === won && BigInt(t) > token) token = BigInt(t);
  return { ok, ballot: result, start, validity: left, token: fence ? token : undefined, resources: top.key.split('\n') };
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
