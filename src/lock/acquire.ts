/**
 * Acquisition: one attempt (tryAcquire) or attempts until the wait budget runs out
 * (acquire). A waiter subscribes to the lock's release channel after its first failed
 * attempt, tries once more at once (a release may have come in between), and then wakes on
 * a release message — a hand-off costs one round trip — or after min(retryDelay + jitter,
 * the holder's remaining ttl), so it also tries the moment an abandoned lock expires.
 * After a split vote (some instances said yes, no quorum) the partial votes are already
 * released; contenders retry after a short random pause instead of a retry delay.
 */
import type { Context } from '../core/context.js';
import type { ResolvedAcquire } from '../options/index.js';
import { Acquisition, type AcquireExtra } from './acquisition.js';
import type { Lock } from './lock.js';

export { lockValue, ownerOf } from './value.js';
export type { AcquireExtra } from './acquisition.js';

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
    ? up.then(() => new Acquisition(ctx, resources, o, nullWhenHeld, owner, extra).run())
    : new Acquisition(ctx, resources, o, nullWhenHeld, owner, extra).run();
  ctx.inflight.add(p);
  const forget = (): void => void ctx.inflight.delete(p);
  p.then(forget, forget);
  return p;
}
