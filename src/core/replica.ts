/**
 * `replicaSync`: a write that votes yes counts only once a replica of its instance
 * acknowledged it (`WAIT 1 ms` on the same connection, after the script answered). Without
 * it, a master can grant a lock and fail before replicating it; the promoted replica then
 * grants the same lock to another client (the failure the Sentinel seed article describes).
 */
import type { Redis } from 'ioredis';
import { ReplicaSyncError } from '../errors.js';
import type { Context } from './context.js';
import type { Instance } from './endpoint.js';

/**
 * Sends `send()` to `instance`; for a reply that `isYes`, then waits for
 * one replica's acknowledgement (one more round trip), or rejects with ReplicaSyncError.
 */
export function synced(
  ctx: Context,
  instance: Instance,
  send: () => Promise<unknown>,
  isYes: (reply: unknown) => boolean,
): Promise<unknown> {
  const ms = ctx.options.replicaSync; // > 0: fanOut calls this only when replicaSync is on
  return send().then(async (reply) => {
    if (!yes(isYes, reply)) return reply;
    const acked = await (instance.client as unknown as Redis).wait(1, ms);
    if (acked < 1) throw new ReplicaSyncError(instance.label, ms);
    return reply;
  });
}

function yes(isYes: (reply: unknown) => boolean, reply: unknown): boolean {
  try {
    return isYes(reply);
  } catch {
    return false; // an unknown reply: the decoder reports it
  }
}
