/**
 * A fencing token for a lock already held, in two phases on N instances (fence.lua); one
 * script on one instance. Why the token is above every token handed out before it: below.
 */
import type { Ballot } from '../core/ballot.js';
import type { Context } from '../core/context.js';
import { fanOut } from '../core/fan-out.js';
import { decodeFence } from '../core/replies.js';
import * as lua from '../lua/scripts.generated.js';
import { fenceKeys, lockKeys, maxToken } from './ops.js';

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
  const script = lua.fence({ lock: lockKeys(ctx, resources), fence: fenceKeys(ctx, resources) }, { value, mode, token: token.toString() });
  const ballot = await fanOut(ctx, { script, yes: 'fenced', decode: decodeFence, grants: true });
  return { ballot, token: maxToken(ballot) };
}
