/**
 * inspect(): every instance's view of one lock, and the holder a quorum agrees on — or
 * QuorumError when too few answered to tell (a holder could hide on the silent ones).
 */
import type { Context } from '../core/context.js';
import { QuorumError, list } from '../errors.js';
import { fanOut } from '../core/fan-out.js';
import { decodeInspect } from '../core/replies.js';
import { fenceKey, lockKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';
import { ownerOf } from './acquire.js';

export interface InstanceView {
  readonly instance: string;
  readonly status: 'held' | 'free' | 'error';
  /** The holder's lock value here. */
  readonly value?: string;
  readonly owner?: string;
  /** Remaining ttl here, ms (-1: no expiry). */
  readonly remaining?: number;
  /** The highest fencing token issued here for this resource. */
  readonly fencingToken?: bigint;
  readonly error?: Error;
}

export interface LockInfo {
  readonly resource: string;
  /** Whether a quorum of instances holds one same value. */
  readonly held: boolean;
  /** The holder's owner label and value, when held. */
  readonly owner: string | null;
  readonly value: string | null;
  /** How long the quorum keeps holding it, ms (0 when free). */
  readonly remaining: number;
  /** The highest fencing token issued for this resource on any instance. */
  readonly fencingToken: bigint | null;
  /** Whether every instance that answered agrees (same holder, or all free). */
  readonly agree: boolean;
  readonly instances: readonly InstanceView[];
}

export async function inspect(ctx: Context, resource: string): Promise<LockInfo> {
  const script = lua.inspect({ lock: lockKey(ctx.options.keyPrefix, resource), fence: fenceKey(ctx.options.keyPrefix, resource) });
  const ballot = await fanOut(ctx, { script, yes: 'held', decode: decodeInspect, waitAll: true });
  const views: InstanceView[] = ballot.outcomes.map((o, i) => {
    const seen = ballot.data[i];
    if (o.status === 'error' || o.status === 'pending' || seen === undefined) {
      return { instance: o.instance, status: 'error', error: o.error };
    }
    const token = seen.counter === null ? {} : { fencingToken: seen.counter };
    if (seen.value === null) return { instance: o.instance, status: 'free', ...token };
    return { instance: o.instance, status: 'held', value: seen.value, owner: ownerOf(seen.value), remaining: seen.pttl, ...token };
  });

  const counts = new Map<string, number[]>();
  for (const v of views) if (v.status === 'held') counts.set(v.value!, [...(counts.get(v.value!) ?? []), v.remaining!]);
  let holder: string | null = null;
  let remaining = 0;
  for (const [value, pttls] of counts) {
    if (pttls.length >= ctx.quorum) {
      holder = value;
      // The quorum holds it until the quorum-th longest ttl runs out (-1 = no expiry).
      const sorted = pttls.map((p) => (p < 0 ? Infinity : p)).sort((a, b) => b - a);
      const q = sorted[ctx.quorum - 1]!;
      remaining = q === Infinity ? -1 : q;
    }
  }
  const answered = views.filter((v) => v.status !== 'error');
  // Free only if no value could hold a quorum with the servers that did not answer.
  let most = 0;
  for (const pttls of counts.values()) most = Math.max(most, pttls.length);
  if (holder === null && most + (views.length - answered.length) >= ctx.quorum) {
    throw new QuorumError(
      `could not tell whether ${list([resource])} is held: too few servers answered`,
      [resource],
      ballot.outcomes,
      ctx.quorum,
    );
  }
  const agree = answered.every((v) => (v.value ?? null) === (answered[0]?.value ?? null));
  let fencingToken: bigint | null = null;
  for (const v of views)
    if (v.fencingToken !== undefined && (fencingToken === null || v.fencingToken > fencingToken)) fencingToken = v.fencingToken;
  return {
    resource,
    held: holder !== null,
    owner: holder === null ? null : ownerOf(holder),
    value: holder,
    remaining,
    fencingToken,
    agree,
    instances: views,
  };
}
