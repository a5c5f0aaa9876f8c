/**
 * A job's done-marker, beside its lock (same hash slot): the last period a scheduled job
 * completed, or 1 once a run-once task completed. Written on a quorum and read from a
 * quorum, so a reader always meets at least one instance that took the last write.
 */
import type { Context } from '../core/context.js';
import { fanOut, requireQuorum } from '../core/fan-out.js';
import { decodeMark, decodeReadMark } from '../core/replies.js';
import { LockLostError, list } from '../errors.js';
import { lockKey, markKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';

/** The highest mark a quorum reports (0 when none). One round trip. */
export async function readMark(ctx: Context, resource: string): Promise<number> {
  const key = markKey(ctx.options.keyPrefix, resource);
  const ballot = await fanOut(ctx, { script: lua.readMark({ mark: key }), yes: 'read', decode: decodeReadMark });
  requireQuorum(ctx, ballot, `read whether ${resource} is done`, [resource]);
  let mark = 0;
  // A ballot settled early has no entry for the instances that had not answered yet.
  for (let i = 0; i < ballot.data.length; i++) mark = Math.max(mark, ballot.data[i] ?? 0);
  return mark;
}

/**
 * Raises the mark to `mark` on a quorum (expiring after `px` ms; 0: never), only where the
 * run's lock still holds `value`. One round trip. Throws LockLostError when a quorum says the
 * lock is gone (the run was not alone to the end: not recorded), QuorumError on errors.
 */
export async function writeMark(ctx: Context, resource: string, mark: number, px: number, value: string): Promise<void> {
  const key = markKey(ctx.options.keyPrefix, resource);
  const ballot = await fanOut(ctx, {
    script: lua.mark({ mark: key, lock: lockKey(ctx.options.keyPrefix, resource) }, { mark, expiry: px, value }),
    yes: 'marked',
    decode: decodeMark,
    grants: true,
  });
  if (ballot.verdict === 'refused') {
    throw new LockLostError(`lost the lock on ${list([resource])} before its run could be recorded as done`, [resource], ballot.outcomes);
  }
  requireQuorum(ctx, ballot, `record that ${resource} is done`, [resource]);
}
