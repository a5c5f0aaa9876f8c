/**
 * The quorum operations on one lock, each one round trip to every instance in parallel
 * (through core/fan-out.ts): one acquire attempt, release, extend, a waiter leaving the line
 * (the two phases of a fencing token: lock/fence.ts). Callers decide what an outcome means; nothing here waits or retries.
 */
import { type Context, validity } from '../core/context.js';
import type { Instance } from '../core/endpoint.js';
import { canSetNx, type Call, type Invocation } from '../core/scripts.js';
import { isReplyError, poll, type Ballot, type Decoded } from '../core/ballot.js';
import { fanOut } from '../core/fan-out.js';
import { decodeAcquire, decodeExtend, decodeRelease, decodeSetNx } from '../core/replies.js';
import { CommandTimeoutError } from '../errors.js';
import { NO_QUARANTINE, byQuarantine, quarantineOn, type QuarantineOn } from '../core/quarantine.js';
import { RELEASE_SUFFIX, fenceKey, goneKey, isElectionResource, lockKey, queued } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';
import { HANDOFF_CLAIM_MS, lineKeys, oneKeys, type Claim } from './line.js';

export type { Claim } from './line.js';

export interface Attempt {
  readonly ok: boolean;
  readonly ballot: Ballot<string>;
  /** Monotonic time the attempt started; validity counts from here. */
  readonly start: number;
  /** ttl − elapsed − drift; the lock is valid until start + ttl − drift. */
  readonly validity: number;
  /** The fencing token (max over the voters), when asked for and acquired. */
  readonly token: bigint | undefined;
}

export function lockKeys(ctx: Context, resources: readonly string[]): string[] {
  return resources.map((r) => lockKey(ctx.options.keyPrefix, r));
}

/**
 * Takes `value` off server `index` again (release.lua, no message): a failed attempt's vote,
 * a server a won lock no longer wants. Swept until answered (core/instance.ts).
 */
export function takeBack(ctx: Context, index: number, resources: readonly string[], value: string, ttl: number): void {
  const instance = ctx.instances[index]!;
  const call = lua.release({ lock: lockKeys(ctx, resources), gone: [] }, { value, suffix: '', publish: instance.publish });
  instance.sweep(ttl, () => call);
}

export function fenceKeys(ctx: Context, resources: readonly string[]): string[] {
  return resources.map((r) => fenceKey(ctx.options.keyPrefix, r));
}

/** Timeout of one command: never longer than the ttl it serves. */
function timeoutFor(ctx: Context, ttl: number): number {
  return Math.min(ctx.options.commandTimeout, ttl);
}

/**
 * What a won attempt learns after it is decided: the servers that did not take its value
 * (held by another — usually a contender's partial vote about to be undone — quarantined,
 * failed, or answered late with a no). The lock keeps trying them (lock/coverage.ts).
 */
export interface Uncovered {
  miss(index: number): void;
}

/**
 * One attempt: the acquire script on every instance (one round trip), through `vote`. A
 * failed attempt's votes go back with release.lua, or to the holder a quorum reported.
 * `plain`: with nothing but the key to check (no fencing token, claim, quarantine or clock
 * sample due), the attempt goes as SET NX PX — the first attempt of an acquisition that
 * waits (lock/acquisition.ts): a refusal there is asked again with the script at once, which
 * tells the holder's ttl and reports a key of another type (SET NX only says "exists").
 * With a `claim` (one resource), the attempt also takes a key handed to that claim, and
 * keeps the claim in line when refused.
 */
export async function attempt(
  ctx: Context,
  resources: readonly string[],
  value: string,
  ttl: number,
  fence: boolean,
  uncovered?: Uncovered,
  claim?: Claim,
  plain = false,
): Promise<Attempt> {
  const lock = lockKeys(ctx, resources);
  const fences = fence ? fenceKeys(ctx, resources) : [];
  const line = claim === undefined ? NO_LINE : lineKeys(ctx, resources);
  const start = ctx.options.clock.now();
  // With nothing to check but the key — the uncontended lock's first attempt — a plain SET NX
  // PX. Else the script; the server's marker key is read in it (not on a Cluster: one slot
  // per script). (Object literals, not spreads: a spread with more properties after it costs
  // microseconds.)
  const clock = ctx.monitor.clockDue(start);
  const setNx = plain && !fence && !clock && claim === undefined && resources.length === 1 && plainSet(ctx);
  const script = setNx
    ? { setNx: lock[0]!, value, ttl }
    : byQuarantine(ctx, (q) => {
        const { quarantine, marked } = q.args ?? NO_QUARANTINE;
        const keys = { lock, fence: fences, queue: line.queue, alive: line.alive, marker: q.marker };
        return claim === undefined
          ? lua.acquire(keys, { value, ttl, fence, quarantine, marked, clock })
          : lua.acquire(keys, {
              value,
              ttl,
              fence,
              quarantine,
              marked,
              clock,
              claim: claim.value,
              place: claim.place,
              claimTtl: claim.ttl,
            });
      });
  // Set on a failed attempt whose lock a quorum reported held by one value (one resource):
  // the partial votes go to that holder (undo-to.lua) rather than free.
  let holder: { value: string; pttl: number } | undefined;
  const undo = (i: number): void => {
    const h = holder;
    if (h === undefined) return takeBack(ctx, i, resources, value, ttl);
    // (No longer than the holder's validity from when it is sent; not at all once it released here.)
    const keys = { lock: lock[0]!, gone: goneKey(ctx.options.keyPrefix, resources[0]!) };
    const left = (): number => Math.floor(h.pttl - (ctx.options.clock.now() - start));
    ctx.instances[i]!.sweep(ttl, () => lua.undoTo(keys, { value, holder: h.value, ttl: left() }));
  };
  const lost = (ballot: Ballot<string>): void => {
    holder = resources.length === 1 ? quorumHolder(ctx, ballot) : undefined;
  };
  const decode = setNx ? decodeSetNx : decodeAcquire;
  const { ok, ballot, validity: left } = await vote(ctx, ttl, start, { script, decode, undo, lost }, uncovered);
  return { ok, ballot, start, validity: left, token: fence ? maxToken(ballot) : undefined };
}

/**
 * Whether an attempt with nothing to check but the key may go as a plain SET NX PX (see
 * core/scripts.ts SetNx): no restart quarantine (the marker is read by acquire.lua), and every
 * client can send it.
 */
function plainSet(ctx: Context): boolean {
  if (ctx.options.restartQuarantine > 0) return false;
  for (const instance of ctx.instances) if (!canSetNx(instance.client)) return false;
  return true;
}

/** A kind's acquire script call, and how it takes a vote back (lock/ops.ts, rwlock/ops.ts). */
export interface VoteCall {
  readonly script: Call | ((instance: Instance) => Call);
  /** @default decodeAcquire */
  readonly decode?: (reply: unknown) => Decoded<string>;
  /** Takes server `i`'s vote back (called at most once per server). */
  readonly undo: (i: number) => void;
  /** Told of a failed ballot before any vote is taken back. */
  readonly lost?: (ballot: Ballot<string>) => void;
}

/**
 * The acquire ballot every kind shares. On failure, every instance that said yes, or may
 * have (an error, a timeout), is swept at once — the compare-and-delete follows the attempt
 * on the same connection, or waits for it to come back — and an instance that says yes after
 * the decision is swept when its answer comes. On success, the servers that did not take the
 * value are handed to `uncovered`.
 */
export async function vote(
  ctx: Context,
  ttl: number,
  start: number,
  call: VoteCall,
  uncovered: Uncovered | undefined,
): Promise<{ ok: boolean; ballot: Ballot<string>; validity: number }> {
  let state: 'open' | 'won' | 'lost' = 'open';
  const swept = new Set<number>();
  const undo = (i: number): void => {
    if (swept.has(i)) return;
    swept.add(i);
    call.undo(i);
  };
  const ballot = await fanOut(ctx, {
    script: call.script,
    yes: 'acquired',
    decode: call.decode ?? decodeAcquire,
    grants: true,
    timeout: timeoutFor(ctx, ttl),
    onLate: (i, decoded, error) => {
      const took = decoded?.status === 'acquired';
      if (state === 'lost' && (took || (error !== undefined && !isReplyError(error)))) undo(i);
      else if (state === 'won' && !took) uncovered?.miss(i);
    },
  });
  const left = validity(ctx, ttl, start);
  const ok = ballot.verdict === 'quorum' && left > 0;
  if (!ok) {
    state = 'lost';
    call.lost?.(ballot);
    ballot.outcomes.forEach((o, i) => {
      if (o.status === 'acquired' || o.status === 'suspect' || (o.status === 'error' && !isReplyError(o.error))) undo(i);
    });
    return { ok, ballot, validity: left };
  }
  state = 'won';
  if (uncovered !== undefined) {
    ballot.outcomes.forEach((o, i) => {
      if (o.status === 'held' || o.status === 'quarantined' || o.status === 'error') uncovered.miss(i);
    });
  }
  return { ok, ballot, validity: left };
}

/** The value a quorum reported holding the lock, with the shortest remaining ttl they gave; else undefined. */
function quorumHolder(ctx: Context, ballot: Ballot<string>): { value: string; pttl: number } | undefined {
  const seen = new Map<string, { n: number; pttl: number }>();
  ballot.outcomes.forEach((o, i) => {
    const v = ballot.data[i];
    if (o.status !== 'held' || v === undefined || o.remaining === undefined || o.remaining <= 0) return;
    const s = seen.get(v);
    seen.set(v, { n: (s?.n ?? 0) + 1, pttl: Math.min(s?.pttl ?? Infinity, o.remaining) });
  });
  for (const [value, s] of seen) if (s.n >= ctx.quorum) return { value, pttl: s.pttl };
  return undefined;
}

/** The highest fencing token among the servers that took (or fenced) the lock; 0 when none. */
export function maxToken(ballot: Ballot<string>): bigint {
  let max = 0n;
  ballot.outcomes.forEach((o, i) => {
    const t = ballot.data[i];
    if ((o.status === 'acquired' || o.status === 'fenced') && t !== undefined) {
      const v = BigInt(t);
      if (v > max) max = v;
    }
  });
  return max;
}

/**
 * Compare-and-delete everywhere (one round trip); wakes waiters. `claim`: the one the lock
 * was waited for with, out of line now. A server that failed to
 * answer, or answered with an error after the decision, is swept: the release is sent again
 * when its connection is back, for up to `ttl`.
 * One resource: the lock goes to the next waiter in line, and the message names it
 * (release-one.lua), on the hand-off channel of that waiter's Redlock (and on the release
 * channel too for an election: its observers follow its releases); nobody in line, no
 * message (unless `always`: an election's, or on a Cluster). Several resources: every key's channel gets a message (release.lua).
 */
export function release(ctx: Context, resources: readonly string[], value: string, ttl: number, claim?: string): Promise<Release> {
  if (resources.length !== 1 || !queued(resources[0]!)) {
    const lock = lockKeys(ctx, resources);
    return releaseWith(ctx, ttl, (i) => lua.release({ lock, gone: [] }, { value, suffix: RELEASE_SUFFIX, publish: i.publish }));
  }
  const handoff = Math.min(ttl, HANDOFF_CLAIM_MS);
  // Publish without asking who listens here: an election's (its observers), and a Cluster's
  // (where PUBLISH is a broadcast — no SPUBLISH, or a client without sharded subscribers — its
  // listeners may be on any node).
  const election = isElectionResource(resources[0]!);
  const keys = oneKeys(ctx, resources[0]!);
  const args = (publish: 'PUBLISH' | 'SPUBLISH', always: boolean): lua.ReleaseOneArgs => ({
    value,
    suffix: RELEASE_SUFFIX,
    publish,
    goneTtl: ttl,
    handoff,
    claim: claim ?? '',
    always,
    observed: election,
  });
  const plain = lua.releaseOne(keys, args('PUBLISH', election)); // (the usual server: made once)
  return releaseWith(ctx, ttl, (i) => (i.cluster || i.publish !== 'PUBLISH' ? lua.releaseOne(keys, args(i.publish, true)) : plain));
}

/** A server's definite answer to a release: the value was there and is deleted, or it was not there. */
export type ReleaseAnswer = 'released' | 'not-held';

/** A release's ballot, and every server's definite answer as it comes — late, or swept. */
export interface Release extends Ballot<never> {
  /**
   * Server `i`'s definite answer so far: from the ballot, or a late answer of a command that
   * timed out or was still pending when the ballot settled, or a 'released' from its sweep (a
   * release that failed to get through is sent again once the connection is back; a swept
   * 'not-held' may be the first send's own delete, so it does not count).
   */
  answer(i: number): ReleaseAnswer | undefined;
  /** Waits until every server gave a definite answer, or `ms` have passed. */
  settle(ms: number): Promise<void>;
}

/**
 * A release script's call on each server (release.lua, release-one.lua, or a read-write
 * lock's rw-release.lua) everywhere, as release() says.
 */
export async function releaseWith(ctx: Context, ttl: number, call: (instance: Instance) => Invocation): Promise<Release> {
  const answers = new Map<number, ReleaseAnswer>();
  let heard: (() => void) | undefined;
  const note = (i: number, status: string | undefined): void => {
    if ((status === 'released' || status === 'not-held') && !answers.has(i)) {
      answers.set(i, status);
      heard?.();
    }
  };
  const sweep = (i: number): void => {
    const instance = ctx.instances[i]!;
    // A sweep's 'released' tells (the value was there); its 'not-held' does not: the send
    // whose answer was lost may have deleted the value itself.
    const told = (reply: unknown): void => {
      try {
        const status = decodeRelease(reply).status;
        if (status === 'released') note(i, status);
      } catch {
        // (an unexpected reply tells nothing)
      }
    };
    instance.sweep(ttl, () => call(instance), told);
  };
  const ballot = await fanOut(ctx, {
    script: call,
    yes: 'released',
    decode: decodeRelease,
    onLate: (i, decoded, error) => {
      if (error !== undefined && !isReplyError(error)) sweep(i);
      note(i, decoded?.status);
    },
  });
  ballot.outcomes.forEach((o, i) => {
    note(i, o.status);
    // (A timed-out command is still on its way: its late answer says whether to sweep.)
    if (o.status === 'error' && !isReplyError(o.error) && !(o.error instanceof CommandTimeoutError)) sweep(i);
  });
  const n = ballot.outcomes.length;
  const settle = async (ms: number): Promise<void> => {
    const clock = ctx.options.clock;
    const until = clock.now() + ms;
    while (answers.size < n && clock.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, until - clock.now()));
        heard = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      heard = undefined;
    }
  };
  const { outcomes, data, yes, no, errors, verdict } = ballot;
  return { outcomes, data, yes, no, errors, verdict, answer: (i) => answers.get(i), settle };
}

/** extend.lua's arguments, with the quarantine's when there is one. */
function extendArgs(value: string, ttl: number, cover: boolean, clock: boolean, q: QuarantineOn['args']): lua.ExtendArgs {
  return q === undefined ? { value, ttl, cover, clock } : { value, ttl, cover, clock, quarantine: q.quarantine, marked: q.marked };
}

/** No waiting line: an attempt without a claim. */
const NO_LINE: { readonly queue: readonly string[]; readonly alive: readonly string[] } = Object.freeze({ queue: [], alive: [] });

/**
 * Extend everywhere (one round trip): compare-and-pexpire, and a server that lost the key
 * (nobody else holds it there) takes it again — a re-take, not a vote (see extend.lua).
 */
export function extend(
  ctx: Context,
  resources: readonly string[],
  value: string,
  ttl: number,
  uncovered?: Uncovered,
): Promise<Ballot<never>> {
  const lock = lockKeys(ctx, resources);
  const clock = ctx.monitor.clockDue(ctx.options.clock.now());
  return fanOut(ctx, {
    script: byQuarantine(ctx, (q) => lua.extend({ lock, marker: q.marker }, extendArgs(value, ttl, false, clock, q.args))),
    yes: 'extended',
    decode: decodeExtend,
    grants: true,
    timeout: timeoutFor(ctx, ttl),
    // A server where another value sits (our key was lost there and a contender's vote took
    // its place) is covered again once that value goes — also when it answers after the decision.
    onLate: uncovered && ((i, decoded) => decoded?.status === 'not-held' && uncovered.miss(i)),
  });
}

/** Extend (or re-take) on one server only: coverage of a server a lock does not hold yet. */
export async function cover(ctx: Context, index: number, resources: readonly string[], value: string, ttl: number): Promise<string> {
  const lock = lockKeys(ctx, resources);
  const ballot = await poll({
    instances: [ctx.instances[index]!],
    quorum: 1,
    yes: 'extended',
    timeout: timeoutFor(ctx, ttl),
    clock: ctx.options.clock,
    // A cover never shortens a ttl.
    send: (instance) => {
      const q = quarantineOn(ctx, instance);
      return instance.eval(lua.extend({ lock, marker: q.marker }, extendArgs(value, ttl, true, false, q.args)));
    },
    decode: decodeExtend,
  });
  return ballot.outcomes[0]!.status;
}
