/**
 * What an attempt's result means for an acquisition (lock/acquisition.ts): the Lock a won
 * attempt makes, whether a failure is contention or an error, how long to pause, and the
 * lines NODE_DEBUG=tenure and telemetry print about it.
 */
import { type Context, drift } from '../core/context.js';
import { isReplyError } from '../core/ballot.js';
import { QuorumError, list, type InstanceOutcome, LockTimeoutError } from '../errors.js';
import type { ResolvedAcquire } from '../options/index.js';
import type { Coverage } from './coverage.js';
import type { LockOps } from './kind.js';
import { Lock } from './lock.js';
import type * as ops from './ops.js';

/** Every server that refused said the holder is a lock whose release this Redlock heard (one resource: its `channel`). */
export function refusedByReleased(ctx: Context, channel: string | undefined, ballot: ops.Attempt['ballot']): boolean {
  if (channel === undefined) return false;
  let held = 0;
  for (let i = 0; i < ballot.outcomes.length; i++) {
    if (ballot.outcomes[i]!.status !== 'held') continue;
    const holder = ballot.data[i];
    if (holder === undefined || !ctx.wakeup.heard(channel, holder)) return false;
    held++;
  }
  return held > 0;
}

/** One line of what an attempt found, for NODE_DEBUG=tenure. */
export function summary(a: ops.Attempt): string {
  return a.ballot.outcomes.map((o) => o.status + (o.status === 'held' && o.remaining !== undefined ? ` ${o.remaining} ms` : '')).join(', ');
}

/** How an acquisition that threw ended, for `tenure.outcome`. */
export function outcomeOf(error: unknown, o: ResolvedAcquire): 'timeout' | 'aborted' | 'error' {
  if (error instanceof LockTimeoutError) return 'timeout';
  return o.signal?.aborted === true && error === o.signal.reason ? 'aborted' : 'error';
}

/** The Lock, or null when no validity was left once the fencing token was published. */
export async function made(
  ctx: Context,
  resources: readonly string[],
  value: string,
  owner: string,
  o: ResolvedAcquire,
  a: ops.Attempt,
  coverage: Coverage | undefined,
  kind: LockOps,
  claim: string | undefined,
): Promise<Lock | null> {
  const token = a.token;
  if (token !== undefined && ctx.instances.length > 1) {
    // Phase 2 of the fencing token: raise the counters to the token wherever this lock is
    // still present, on a quorum. Any later holder's quorum meets this one, so its phase 1
    // starts above the token: no timing assumption.
    const phase2 = await kind.fencePhase(ctx, resources, value, 'raise', token);
    if (phase2.ballot.verdict !== 'quorum') {
      await kind.release(ctx, resources, value, o.ttl, claim).catch(() => undefined);
      throw new QuorumError(
        `acquired ${list(resources)} but could not publish its fencing token`,
        resources,
        phase2.ballot.outcomes,
        ctx.quorum,
      );
    }
  }
  const validUntil = a.start + o.ttl - drift(ctx, o.ttl); // = end of attempt + validity
  if (validUntil <= ctx.options.clock.now()) {
    await kind.release(ctx, resources, value, o.ttl, claim).catch(() => undefined);
    return null;
  }
  const lock = new Lock(ctx, {
    resources,
    value,
    owner,
    ttl: o.ttl,
    validUntil,
    token,
    autoExtend: o.autoExtend,
    coverage,
    ops: kind,
    outcomes: a.ballot.outcomes,
    claim,
  });
  coverage?.attach(lock);
  ctx.live.add(lock);
  return lock;
}

interface Failure {
  /** Set when the failure is not plain contention: errors made a quorum impossible. */
  readonly error?: QuorumError;
  /** A Redis reply error (WRONGTYPE...) that retrying cannot fix. */
  readonly permanent: boolean;
}

/** Contention (held by another, split vote) is not an error; too many failed instances is. */
export function classify(ctx: Context, resources: readonly string[], a: ops.Attempt): Failure {
  const { ballot } = a;
  const n = ctx.instances.length;
  if (ballot.verdict === 'quorum') {
    // A quorum said yes, but too late: the validity was used up on the way.
    const message = `acquired ${list(resources)} on a quorum too slowly: no validity left (raise the ttl)`;
    return { error: new QuorumError(message, resources, ballot.outcomes, ctx.quorum), permanent: false };
  }
  // A suspect server's yes is not a vote, nor is a quarantined server's refusal contention:
  // neither says that another holds the lock.
  const suspect = ballot.outcomes.filter((o) => o.status === 'suspect').length;
  const quarantined = ballot.outcomes.filter((o) => o.status === 'quarantined').length;
  if (ballot.errors + suspect + quarantined > n - ctx.quorum) {
    const replyErrors = ballot.outcomes.filter((o) => o.status === 'error' && isReplyError(o.error)).length;
    const permanent = replyErrors > n - ctx.quorum; // retrying cannot reach a quorum
    const why = quarantined > 0 ? ` (${quarantined} in restart quarantine: they vote again once it has passed)` : '';
    const message = `could not reach a quorum (${ctx.quorum} of ${n}) for ${list(resources)}${why}`;
    return { error: new QuorumError(message, resources, ballot.outcomes, ctx.quorum), permanent };
  }
  return { permanent: false };
}

/**
 * After a split vote (some yes, no quorum): a short random pause that doubles with each
 * split in a row, up to the retry delay — the partial votes are gone already, and a re-roll
 * separates the contenders, while a holder sitting on a bare quorum cannot make its waiters
 * spin. Else min(retryDelay + jitter, the shortest remaining ttl among the holders).
 */
export function pause(o: ResolvedAcquire, a: ops.Attempt, splits: number): number {
  const outcomes: readonly InstanceOutcome[] = a.ballot.outcomes;
  if (splits > 0) return Math.random() * Math.min(o.retryDelay + o.retryJitter, 2 ** splits);
  let delay = o.retryDelay + Math.floor(Math.random() * o.retryJitter);
  for (const outcome of outcomes) {
    if ((outcome.status === 'held' || outcome.status === 'quarantined') && outcome.remaining !== undefined && outcome.remaining >= 0) {
      delay = Math.min(delay, outcome.remaining + 1);
    }
  }
  return delay;
}
