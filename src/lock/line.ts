/**
 * A lock's waiting line, as a waiter takes part in it (lib/queue.lua, release-one.lua): its
 * claim and place, the keys of the line, and leaving it — having given up, or won.
 */
import type { Context } from '../core/context.js';
import { claimOf, goneKey, lockKey, queueKeys, RELEASE_SUFFIX } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';
import type { ResolvedAcquire } from '../options/index.js';
import type { Attempt } from './ops.js';
import { lockValue } from './value.js';

/**
 * A waiter's place in the line of a lock on one resource (lib/queue.lua): its attempts carry
 * it, so that a release hands the lock to the first waiter in line (release-one.lua).
 */
export interface Claim {
  /** The claim: '~', its Redlock's tag (core/wakeup.ts) and a value of its own (lockValue), never a lock's. */
  readonly value: string;
  /** Its place: when the waiter began to wait (wall-clock ms), the same on every server. */
  readonly place: number;
  /** How long its entry lasts after each attempt, in ms: longer than the waiter's longest pause. */
  readonly ttl: number;
}

/** How long a hand-off's claim keeps the lock for its waiter (release-one.lua), at most. */
export const HANDOFF_CLAIM_MS = 500;

/** Each resource's waiting line (acquire.lua): the queue keys, and the alive keys. */
export function lineKeys(ctx: Context, resources: readonly string[]): { queue: string[]; alive: string[] } {
  const lines = resources.map((r) => queueKeys(ctx.options.keyPrefix, r));
  return { queue: lines.map((l) => l[0]), alive: lines.map((l) => l[1]) };
}

/** A one-resource lock's keys for release-one.lua: the lock, its gone mark, its line. */
export function oneKeys(ctx: Context, resource: string): { lock: string; gone: string; queue: string; alive: string } {
  const prefix = ctx.options.keyPrefix;
  const [queue, alive] = queueKeys(prefix, resource);
  return { lock: lockKey(prefix, resource), gone: goneKey(prefix, resource), queue, alive };
}

/**
 * A waiter leaves the line of `resource` on every server: gave up (`pass`: a lock handed to
 * its claim goes on to the next in line, with a message), or won (the servers that did not
 * vote for it: a claim there is freed, not passed, so the lock can cover that server).
 * Swept until answered, for as long as the entry could live.
 */
export function leave(ctx: Context, resource: string, claim: Claim, pass: boolean, servers?: Iterable<number>): void {
  const keys = oneKeys(ctx, resource);
  const handoff = Math.min(claim.ttl, HANDOFF_CLAIM_MS);
  for (const i of servers ?? ctx.instances.keys()) {
    const instance = ctx.instances[i]!;
    // (No gone mark: the claim was no lock.)
    const args = pass
      ? { suffix: RELEASE_SUFFIX, goneTtl: 0, handoff, always: instance.cluster, observed: false }
      : { suffix: '', goneTtl: 0, handoff: 0, always: false, observed: false };
    const call = lua.releaseOne(keys, { value: claim.value, publish: instance.publish, claim: claim.value, ...args });
    instance.sweep(claim.ttl, () => call);
  }
}

/** A place in line for this acquisition (lock/ops.ts Claim); its entry outlives its longest pause. */
export function newClaim(ctx: Context, owner: string, o: ResolvedAcquire): Claim {
  // (keys.ts claimOf: no lock value, and with this Redlock's tag — a release tells the claim
  // on this Redlock's hand-off channel alone.)
  const claim: Claim = {
    value: claimOf(ctx.wakeup.tag, lockValue(owner)),
    place: Date.now(),
    ttl: o.retryDelay + o.retryJitter + CLAIM_SLACK_MS,
  };
  ctx.wakeup.claim(claim.value);
  return claim;
}

/** How much longer than a waiter's longest pause its place in line lasts. */
const CLAIM_SLACK_MS = 1_000;

/**
 * A won attempt's claim stays first in line where the servers took the lock (its release
 * takes it out). Where another value held the key, or the server failed, it is taken out now:
 * a late release there must not hand the lock to this claim, which would keep the lock off
 * that server (its coverage) for the claim's life.
 */
export function leaveAfterWin(ctx: Context, resource: string, claim: Claim, a: Attempt): void {
  const elsewhere: number[] = [];
  a.ballot.outcomes.forEach((o, i) => {
    if (o.status === 'held' || o.status === 'error') elsewhere.push(i);
  });
  if (elsewhere.length > 0) leave(ctx, resource, claim, false, elsewhere);
}
