/**
 * A job's done-marker, beside its lock (same hash slot): the last period a scheduled job
 * completed, or 1 once a run-once task completed. Written on a quorum and read from a
 * quorum, so a reader always meets at least one instance that took the last write.
 */
import type { Context } from '../core/context.js';
import { poll } from '../core/quorum.js';
import { decodeMark, decodeReadMark } from '../core/replies.js';
import { QuorumError } from '../errors.js';
import { markKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';
import { synced } from '../core/replica.js';

/** The highest mark a quorum reports (0 when none). One round trip. */
export async function readMark(ctx: Context, resource: string): Promise<number> {
  const key = markKey(ctx.options.keyPrefix, resource);
  const ballot = await poll({
    instances: ctx.instances,
    quorum: ctx.quorum,
    yes: 'read',
    timeout: ctx.options.commandTimeout,
    clock: ctx.options.clock,
    send: (instance) => instance.eval(lua.readMark, [key], 1),
    decode: decodeReadMark,
  });
  if (ballot.yes < ctx.quorum) throw new QuorumError(`could not read whether ${resource} is done`, [resource], ballot.outcomes, ctx.quorum);
  let mark = 0;
  // A ballot settled early has no entry for the instances that had not answered yet.
  for (let i = 0; i < ballot.data.length; i++) mark = Math.max(mark, ballot.data[i] ?? 0);
  return mark;
}

/** Raises the mark to `mark` on a quorum (expiring after `px` ms; 0: never). One round trip. */
export async function writeMark(ctx: Context, resource: string, mark: number, px: number): Promise<void> {
  const key = markKey(ctx.options.keyPrefix, resource);
  const ballot = await poll({
    instances: ctx.instances,
    quorum: ctx.quorum,
    yes: 'marked',
    timeout: ctx.options.commandTimeout,
    clock: ctx.options.clock,
    send: (instance) =>
      synced(
        ctx,
        instance,
        () => instance.eval(lua.mark, [key, mark, px], 1),
        (r) => decodeMark(r).status === 'marked',
      ),
    decode: decodeMark,
  });
  if (ballot.yes < ctx.quorum) throw new QuorumError(`could not record that ${resource} is done`, [resource], ballot.outcomes, ctx.quorum);
}
