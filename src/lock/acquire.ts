/**
 * Acquisition: one attempt (tryAcquire) or attempts until the wait budget runs out
 * (acquire). A waiter subscribes to the lock's release channel after its first failed
 * attempt, tries once more at once (a release may have come in between), and then wakes on
 * a release message — a hand-off costs one round trip — or after min(retryDelay + jitter,
 * the holder's remaining ttl), so it also tries the moment an abandoned lock expires.
 * After a split vote (some instances said yes, no quorum) the partial votes are already
 * released; contenders retry after a short random pause instead of a retry delay.
 */
import { debuglog } from 'node:util';
import { type Context, drift } from '../core/context.js';
import { isReplyError } from '../core/ballot.js';
import { assertOneSlot } from '../core/slot.js';
import { LockTimeoutError, QuorumError, list, type InstanceOutcome } from '../errors.js';
import { queued, releaseChannel } from '../keys.js';
import type { ResolvedAcquire } from '../options/index.js';
import { Coverage } from './coverage.js';
import { PLAIN, type KindAttempt, type LockOps } from './kind.js';
import { Lock } from './lock.js';
import * as ops from './ops.js';
import { leave, leaveAfterWin, newClaim } from './line.js';
import { lockValue } from './value.js';

export { lockValue, ownerOf } from './value.js';

const debug = debuglog('tenure');

/** What a caller other than the plain lock passes: its kind's ops, and a look at each attempt. */
export interface AcquireExtra {
  /** @default the plain lock's (lock/kind.ts) */
  readonly ops?: LockOps;
  /** Called with every attempt's result (tryLock reports the last one's outcomes). */
  readonly attempted?: (a: KindAttempt) => void;
}

/**
 * Attempts until `o.wait` runs out (one attempt when it is 0). When the last attempt finds
 * the lock held: null if `nullWhenHeld` (tryAcquire), else LockTimeoutError. Tracked in
 * `ctx.inflight`, so that close() lets it finish; a lock won once close() began is released
 * at once and the call rejects with ClosedError.
 */
export function acquire(
  ctx: Context,
  resources: readonly string[],
  o: ResolvedAcquire,
  nullWhenHeld: boolean,
  owner: string = ctx.options.owner,
  extra: AcquireExtra = {},
): Promise<Lock | null> {
  // keeper: 'thread': an auto-extended lock is taken once the keeper thread is up (once per
  // Redlock; its first renewal must not wait for the thread to start).
  const up = o.autoExtend ? ctx.thread?.ready : undefined;
  const p = up
    ? up.then(() => attemptUntil(ctx, resources, o, nullWhenHeld, owner, extra))
    : attemptUntil(ctx, resources, o, nullWhenHeld, owner, extra);
  ctx.inflight.add(p);
  const forget = (): void => void ctx.inflight.delete(p);
  p.then(forget, forget);
  return p;
}

async function attemptUntil(
  ctx: Context,
  resources: readonly string[],
  o: ResolvedAcquire,
  nullWhenHeld: boolean,
  owner: string,
  extra: AcquireExtra,
): Promise<Lock | null> {
  const kind = extra.ops ?? PLAIN;
  if (resources.length > 1 && kind === PLAIN) {
    // A lock's script runs on one node of a Cluster: its keys must share a hash slot.
    const cluster = ctx.instances.find((i) => i.cluster);
    if (cluster !== undefined) assertOneSlot(resources, ops.lockKeys(ctx, resources), cluster.label);
  }
  const clock = ctx.options.clock;
  const started = clock.now();
  let attempts = 0;
  let channels: string[] | undefined;
  let splits = 0;
  // A waiter on one resource takes a place in the lock's line with its first attempt, so that
  // a release hands it the lock when its turn comes (lock/line.ts Claim).
  // (On several resources it is in no line, only marked present, so that releases are told.)
  // It takes its claim with its first failure — or before its first attempt when its channel
  // is subscribed already (the lock is contended in this process): then that attempt, if
  // refused, is in line at once. An uncontended acquisition pays nothing for the line.
  const lineable = o.wait > 0 && kind === PLAIN && resources.every(queued);
  const listened = lineable && ctx.wakeup.listening(resources.map((r) => releaseChannel(ctx.options.keyPrefix, r)));
  let claim = listened ? newClaim(ctx, owner, o) : undefined;
  let enqueued = false; // a refused attempt carried the claim: it is in line somewhere
  let won = false;
  // Telemetry (core/telemetry.ts): nothing here unless someone is told.
  const t = ctx.telemetry;
  const span = t.tracing ? t.startSpan(resources) : undefined;
  let counted = false; // in tenure.lock.waiting
  try {
    for (;;) {
      o.signal?.throwIfAborted();
      ctx.assertOpen();
      attempts++;
      // A fresh value per attempt: an undo of an earlier attempt's late yes can never touch
      // the keys of a later attempt that succeeded.
      const value = lockValue(owner);
      const since = channels !== undefined || claim !== undefined ? ctx.wakeup.generation(channels ?? [], claim?.value) : undefined;
      // Servers a won attempt does not hold are covered in the background (lock/coverage.ts).
      const coverage = ctx.instances.length > 1 ? new Coverage(ctx, value, kind) : undefined;
      const a = await kind.attempt(ctx, resources, value, o.ttl, o.fence, coverage, claim);
      extra.attempted?.(a);
      if (a.ok) {
        if (enqueued && resources.length === 1) leaveAfterWin(ctx, resources[0]!, claim!, a);
        won = true;
        const lock = await made(ctx, a.resources ?? resources, value, owner, o, a, coverage, kind, enqueued ? claim?.value : undefined);
        if (lock) {
          try {
            ctx.assertOpen(); // closed meanwhile: hand nothing out
          } catch (error) {
            await lock.release().catch(() => undefined);
            throw error;
          }
          if (debug.enabled) {
            const ms = Math.round(clock.now() - started);
            debug(
              'acquired %s in %d ms (%d attempt%s), valid for %d ms',
              list(resources),
              ms,
              attempts,
              attempts === 1 ? '' : 's',
              lock.remaining(),
            );
          }
          if (t.active) t.acquired(lock, started, attempts, span);
          return lock;
        }
        // Publishing the token took the whole validity: it was released; go round again.
        if (nullWhenHeld || clock.now() - started >= o.wait) {
          throw new QuorumError(
            `acquired ${list(resources)} too slowly: no validity left after its fencing token (raise the ttl)`,
            resources,
            a.ballot.outcomes,
            ctx.quorum,
          );
        }
        won = false;
        continue;
      }

      // Two endpoints turned out to be one server: refuse, naming both.
      if (ctx.monitor.refused !== undefined) throw ctx.monitor.refused;
      const failure = classify(ctx, resources, a);
      if (claim !== undefined) enqueued = true;
      if (failure.error && (failure.permanent || nullWhenHeld)) throw failure.error;
      if (t.active && !failure.error) t.contended(resources, attempts, a.ballot.outcomes);
      const waited = clock.now() - started;
      const left = o.wait - waited;
      if (left <= 0) {
        if (nullWhenHeld) {
          if (t.active) t.failed(resources, started, attempts, 'timeout', undefined, span);
          return null;
        }
        throw new LockTimeoutError(resources, a.ballot.outcomes, attempts, Math.round(waited), { cause: failure.error });
      }
      if (channels === undefined && !failure.error) {
        // First failure: listen for releases, then try again at once (one may have come
        // between the attempt and the subscription) — unless the channel was subscribed
        // already and the attempt took a place in line: a release since is heard.
        channels = resources.map((r) => releaseChannel(ctx.options.keyPrefix, r));
        if (t.active) t.waiting(resources, 1);
        counted = t.active;
        const heard = claim !== undefined && ctx.wakeup.listening(channels);
        if (lineable) claim ??= newClaim(ctx, owner, o);
        await ctx.wakeup.subscribe(channels);
        if (!heard) continue;
      }
      // A split vote, or a refusal only by a holder whose release was heard already (its
      // copies from the other servers are still on their way, and would be taken for the
      // same release: no wake-up would come): a short pause, not a retry delay.
      const gone = channels !== undefined && kind === PLAIN && refusedByReleased(ctx, channels, a.ballot);
      splits = a.ballot.yes > 0 || gone ? splits + 1 : 0;
      const delay = Math.min(pause(o, a, splits), left);
      if (debug.enabled) debug('waiting for %s: %s; next attempt within %d ms', list(resources), summary(a), Math.round(delay));
      const before = channels === undefined ? 0 : ctx.wakeup.generation(channels, claim?.value);
      await ctx.wakeup.wait(channels ?? [], delay, o.signal, since ?? before, claim?.value);
      if (debug.enabled && channels !== undefined && ctx.wakeup.generation(channels, claim?.value) !== before)
        debug('woken by a release of %s', list(resources));
    }
  } catch (error) {
    if (t.active) t.failed(resources, started, attempts, outcomeOf(error, o), error, span);
    throw error;
  } finally {
    if (channels !== undefined) ctx.wakeup.unsubscribe(channels);
    if (counted) t.waiting(resources, -1);
    if (claim !== undefined) {
      ctx.wakeup.unclaim(claim.value);
      // Gave up (timeout, abort, close, an error): out of line everywhere, and a lock handed
      // to this claim meanwhile goes on to the next waiter.
      if (!won && enqueued && resources.length === 1) leave(ctx, resources[0]!, claim, true);
    }
  }
}

/** Every server that refused said the holder is a lock whose release this Redlock heard. */
function refusedByReleased(ctx: Context, channels: readonly string[], ballot: ops.Attempt['ballot']): boolean {
  if (channels.length !== 1) return false;
  let held = 0;
  for (let i = 0; i < ballot.outcomes.length; i++) {
    if (ballot.outcomes[i]!.status !== 'held') continue;
    const holder = ballot.data[i];
    if (holder === undefined || !ctx.wakeup.heard(channels[0]!, holder)) return false;
    held++;
  }
  return held > 0;
}

/** One line of what an attempt found, for NODE_DEBUG=tenure. */
function summary(a: ops.Attempt): string {
  return a.ballot.outcomes.map((o) => o.status + (o.status === 'held' && o.remaining !== undefined ? ` ${o.remaining} ms` : '')).join(', ');
}

/** How an acquisition that threw ended, for `tenure.outcome`. */
function outcomeOf(error: unknown, o: ResolvedAcquire): 'timeout' | 'aborted' | 'error' {
  if (error instanceof LockTimeoutError) return 'timeout';
  return o.signal?.aborted === true && error === o.signal.reason ? 'aborted' : 'error';
}

/** The Lock, or null when no validity was left once the fencing token was published. */
async function made(
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
function classify(ctx: Context, resources: readonly string[], a: ops.Attempt): Failure {
  const { ballot } = a;
  const n = ctx.instances.length;
  if (ballot.verdict === 'quorum') {
    // A quorum said yes, but too late: the validity was used up on the way.
    const message = `acquired ${list(resources)} on a quorum too slowly: no validity left (raise the ttl)`;
    return { error: new QuorumError(message, resources, ballot.outcomes, ctx.quorum), permanent: false };
  }
  // A suspect server's yes is not a vote, but it is no contention either.
  const suspect = ballot.outcomes.filter((o) => o.status === 'suspect').length;
  if (ballot.errors + suspect > n - ctx.quorum) {
    const replyErrors = ballot.outcomes.filter((o) => o.status === 'error' && isReplyError(o.error)).length;
    const permanent = replyErrors > n - ctx.quorum; // retrying cannot reach a quorum
    const message = `could not reach a quorum (${ctx.quorum} of ${n}) for ${list(resources)}`;
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
function pause(o: ResolvedAcquire, a: ops.Attempt, splits: number): number {
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
