/**
 * Force release (`tenure release --force`): delete a lock on every server, whoever holds it,
 * and wake its waiters as a release does. For an operator who knows the holder is gone; the
 * holder, if it still runs, learns at its next renewal, and fencing keeps its late writes out
 * (the fence counter is left alone).
 */
import type { Context } from '../core/context.js';
import { fanOut } from '../core/fan-out.js';
import { decodeForceRelease } from '../core/replies.js';
import { RELEASE_SUFFIX, goneKey, lockKey, rwKeys, rwResource } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';

/** What one server did with a forced release. */
export interface ForcedOnServer {
  readonly instance: string;
  /** `released`: a lock was there and is gone; `not-held`: none was there; `error`: see `error`; `pending`: no answer in time. */
  readonly status: 'released' | 'not-held' | 'error' | 'pending';
  /** The value that was deleted (whose lock it was: `value` after its first '.' is the owner). */
  readonly value?: string;
  /** A read-write lock's readers deleted here (`rwlock:<name>`; absent for other locks). */
  readonly readers?: number;
  readonly error?: Error;
}

/** Deletes `resource`'s lock on every server (one round trip; waits for every answer). */
export async function forceRelease(ctx: Context, resource: string): Promise<ForcedOnServer[]> {
  const key = lockKey(ctx.options.keyPrefix, resource);
  const gone = goneKey(ctx.options.keyPrefix, resource);
  // A read-write lock's readers go too: its writer's key is the lock key.
  const rw = resource.startsWith(rwResource(''));
  const keys = rw ? { lock: key, gone, readers: rwKeys(ctx.options.keyPrefix, resource)[1] } : { lock: key, gone };
  const ballot = await fanOut(ctx, {
    script: (instance) => lua.forceRelease(keys, { suffix: RELEASE_SUFFIX, publish: instance.publish }),
    yes: 'released',
    decode: decodeForceRelease,
    waitAll: true,
  });
  return ballot.outcomes.map((o, i) => ({
    instance: o.instance,
    status: o.status === 'released' || o.status === 'not-held' || o.status === 'error' ? o.status : 'pending',
    ...(ballot.data[i] !== undefined && ballot.data[i].value !== '' ? { value: ballot.data[i].value } : {}),
    ...(rw && ballot.data[i] !== undefined ? { readers: ballot.data[i].readers } : {}),
    ...(o.error ? { error: o.error } : {}),
  }));
}
