/**
 * The quorum operations on one lock, each one round trip to every instance in parallel
 * (through core/quorum.ts): one acquire attempt, release, extend, and the two phases of a
 * fencing token. Callers decide what an outcome means; nothing here waits or retries.
 */
import { debuglog } from 'node:util';
import { type Context, validity } from '../core/context.js';
import type { Instance } from '../core/endpoint.js';
import { fanOut } from '../core/fanout.js';
import type { Ballot } from '../core/quorum.js';
import { decodeAcquire, decodeExtend, decodeFence, decodeRelease } from '../core/replies.js';
import { RELEASE_SUFFIX, fenceKey, lockKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';

const debug = debuglog('tenure');

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

function fenceKeys(ctx: Context, resources: readonly string[]): string[] {
  return resources.map((r) => fenceKey(ctx.options.keyPrefix, r));
}

/** Timeout of one command: never longer than the ttl it serves. */
function timeoutFor(ctx: Context, ttl: number): number {
  return Math.min(ctx.options.commandTimeout, ttl);
}

/**
 * One attempt: the acquire script on every instance (one round trip). On failure, every
 * instance that said yes or failed is released at once (the release follows the attempt
 * on the same connection), and an instance that says yes after the decision is released
 * when its answer comes.
 */
export async function attempt(ctx: Context, resources: readonly string[], value: string, ttl: number, fence: boolean): Promise<Attempt> {
  const keys = fence ? [...lockKeys(ctx, resources), ...fenceKeys(ctx, resources)] : lockKeys(ctx, resources);
  const quarantine = ctx.options.restartQuarantine;
  const args: (string | number)[] = [...keys, value, ttl, fence ? '1' : '0', quarantine];
  const start = ctx.options.clock.now();
  let failed = false;
  const ballot = await fanOut(ctx, {
    script: lua.acquire,
    args,
    numKeys: keys.length,
    yes: 'acquired',
    decode: decodeAcquire,
    replicated: true,
    timeout: timeoutFor(ctx, ttl),
    onLate: (i, decoded) => {
      if (failed && decoded.status === 'acquired') undoOn(ctx, ctx.instances[i]!, resources, value);
    },
  });
  const left = validity(ctx, ttl, start);
  const ok = ballot.yes >= ctx.quorum && left > 0;
  if (!ok) {
    failed = true;
    ballot.outcomes.forEach((o, i) => {
      if (o.status === 'acquired' || o.status === 'error') undoOn(ctx, ctx.instances[i]!, resources, value);
    });
    return { ok, ballot, start, validity: left, token: undefined };
  }
  return { ok, ballot, start, validity: left, token: fence ? maxToken(ballot) : undefined };
}

/**
 * Releases a failed attempt's vote on one instance, without a release message: with several
 * processes, each undo waking a waiter per process fed a storm of attempts that split again
 * (bench, 4 processes: 282 → 75 Redis calls per critical section). Split-vote contenders
 * re-roll on their own short random pause instead.
 */
function undoOn(ctx: Context, instance: Instance, resources: readonly string[], value: string): void {
  const keys = lockKeys(ctx, resources);
  // No channel suffix: no message (see above).
  instance.eval(lua.release, [...keys, value, ''], keys.length).catch((e: unknown) => debug('undo on %s: %s', instance.label, String(e)));
}

function maxToken(ballot: Ballot<string>): bigint {
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

/** Compare-and-delete everywhere (one round trip); publishes the release for waiters. */
export function release(ctx: Context, resources: readonly string[], value: string): Promise<Ballot<never>> {
  const keys = lockKeys(ctx, resources);
  return fanOut(ctx, {
    script: lua.release,
    args: (instance) => [...keys, value, RELEASE_SUFFIX, instance.publish],
    numKeys: keys.length,
    yes: 'released',
    decode: decodeRelease,
  });
}

/** Compare-and-pexpire everywhere (one round trip). */
export function extend(ctx: Context, resources: readonly string[], value: string, ttl: number): Promise<Ballot<never>> {
  const keys = lockKeys(ctx, resources);
  const args = [...keys, value, ttl];
  return fanOut(ctx, {
    script: lua.extend,
    args,
    numKeys: keys.length,
    yes: 'extended',
    decode: decodeExtend,
    replicated: true,
    timeout: timeoutFor(ctx, ttl),
  });
}

/**
 * Phase 1 (`next`) or phase 2 (`raise`) of a fencing token, where the lock is still held.
 * (Phase 1 also runs inside the acquire script when the lock is taken with `fence: true`.)
 *
 * Why a token from N instances is larger than every token handed out before it, with no
 * timing assumption:
 *
 * 1. A token T is handed out only after phase 2 succeeded on a quorum Q2: on each x in Q2,
 *    atomically, the lock's value was present and the counter became >= T.
 * 2. Let a later holder B take the lock on a quorum Q3. Q2 and Q3 share an instance x
 *    (two majorities of N intersect).
 * 3. On x, B's acquire found the key free (or expired), so A's value was gone; A's phase 2
 *    on x found A's value present. A value never comes back once gone (extend only renews a
 *    present key; every acquisition writes a fresh random value), so A's phase 2 ran on x
 *    before B's acquire ran on x.
 * 4. B's acquire moves x's counter to max(counter + 1, time) >= T + 1, and B's token is the
 *    max over its voters, so T_B > T.
 * If A stalls between the phases past its validity, its phase 2 finds the value gone on a
 * quorum and A gets no token at all (LockLostError) — nothing stale is ever handed out.
 * On one instance both phases are one script, so the same argument holds trivially.
 * Counters move to at least the server's clock in microseconds, so an instance that lost its
 * data (restart without persistence) still issues tokens above those it issued before, as
 * long as its clock did not step back across the restart.
 */
export async function fencePhase(
  ctx: Context,
  resources: readonly string[],
  value: string,
  mode: 'next' | 'raise',
  token: bigint,
): Promise<{ ballot: Ballot<string>; token: bigint }> {
  const keys = [...lockKeys(ctx, resources), ...fenceKeys(ctx, resources)];
  const args = [...keys, value, mode, token.toString()];
  const ballot = await fanOut(ctx, { script: lua.fence, args, numKeys: keys.length, yes: 'fenced', decode: decodeFence, replicated: true });
  return { ballot, token: maxToken(ballot) };
}
