/**
 * The quorum operations of a read-write lock's two sides (the LockOps of lock/kind.ts), each
 * one round trip to every server through the one fan-out: an attempt (rw-acquire.lua),
 * extend and coverage (rw-extend.lua), release and sweeps (rw-release.lua). A writer's
 * fencing token uses the plain fence.lua: the writer's key is an ordinary lock key.
 */
import type { Context } from '../core/context.js';
import { poll, type Ballot } from '../core/ballot.js';
import { fanOut } from '../core/fan-out.js';
import { NO_QUARANTINE, byQuarantine } from '../core/quarantine.js';
import { decodeExtend } from '../core/replies.js';
import type { Invocation } from '../core/scripts.js';
import { RELEASE_SUFFIX, fenceKey, rwKeys } from '../keys.js';
import { fencePhase } from '../lock/fence.js';
import type { KindAttempt, LockOps } from '../lock/kind.js';
import * as plain from '../lock/ops.js';
import * as lua from '../lua/scripts.generated.js';

export type Side = 'read' | 'write';

/** A writer's waiting mark: who it is, and how long each attempt's mark lasts (ms). */
export interface Waiting {
  readonly id: string;
  readonly ms: number;
}

/** The lock's writer key, its readers, its waiting writers. */
function keysOf(ctx: Context, resources: readonly string[]): { writer: string; readers: string; waiting: string } {
  const [writer, readers, waiting] = rwKeys(ctx.options.keyPrefix, resources[0]!);
  return { writer, readers, waiting };
}

/** rw-release.lua on a server that publishes with `publish` (`suffix` '' sends no message). */
function releaseCall(
  ctx: Context,
  resources: readonly string[],
  value: string,
  suffix: string,
  publish: 'SPUBLISH' | 'PUBLISH',
): Invocation {
  return lua.rwRelease(keysOf(ctx, resources), { value, suffix, publish });
}

/** Takes `value` off server `index` (rw-release.lua, no message), swept until answered. */
function takeBack(ctx: Context, index: number, resources: readonly string[], value: string, ttl: number): void {
  const instance = ctx.instances[index]!;
  const call = releaseCall(ctx, resources, value, '', instance.publish);
  instance.sweep(ttl, () => call);
}

function timeoutFor(ctx: Context, ttl: number): number {
  return Math.min(ctx.options.commandTimeout, ttl);
}

/** The ops of one side; a waiting writer (acquire, using) marks itself where it is refused. */
export function sideOps(side: Side, waiting?: Waiting): LockOps {
  return {
    kind: side,
    attempt: (ctx, resources, value, ttl, fence, uncovered) => attempt(ctx, side, waiting, resources, value, ttl, fence, uncovered),
    release,
    extend: (ctx, resources, value, ttl, uncovered) => extend(ctx, side, resources, value, ttl, uncovered),
    cover: (ctx, index, resources, value, ttl) => cover(ctx, side, index, resources, value, ttl),
    confirm: (ctx, resources, value, ttl) => extend(ctx, side, resources, value, ttl, undefined, true),
    takeBack,
    fencePhase: (ctx, resources, value, mode, token) => {
      if (side === 'read') return Promise.reject(new TypeError('fencing tokens are issued to writers only: a reader does not write'));
      return fencePhase(ctx, resources, value, mode, token);
    },
  };
}

/**
 * One attempt on every server, as lock/ops.ts's: on failure every server that took the
 * share (or may have: an error, a timeout) is swept with rw-release.lua, also when its yes
 * comes late; on success the servers that did not take it go to coverage.
 */
async function attempt(
  ctx: Context,
  side: Side,
  waiting: Waiting | undefined,
  resources: readonly string[],
  value: string,
  ttl: number,
  fence: boolean,
  uncovered: plain.Uncovered | undefined,
): Promise<KindAttempt> {
  const { writer, readers, waiting: waiters } = keysOf(ctx, resources);
  const fenceKeyOf = fence ? fenceKey(ctx.options.keyPrefix, resources[0]!) : undefined;
  const [waitId, waitMs] = [waiting?.id ?? '', waiting?.ms ?? 0];
  // (Object literals, not spreads: see lock/ops.ts attempt.)
  const script = byQuarantine(ctx, (q) => {
    const { quarantine, marked } = q.args ?? NO_QUARANTINE;
    const keys = { writer, readers, waiting: waiters, fence: fenceKeyOf, marker: q.marker };
    return lua.rwAcquire(keys, { value, ttl, fence, quarantine, marked, side, waitId, waitMs });
  });
  const start = ctx.options.clock.now();
  const undo = (i: number): void => takeBack(ctx, i, resources, value, ttl);
  const { ok, ballot, validity: left } = await plain.vote(ctx, ttl, start, { script, undo }, uncovered);
  if (!ok) return { ok, ballot, start, validity: left, token: undefined };
  return { ok, ballot, start, validity: left, token: fence ? plain.maxToken(ballot) : undefined };
}

/** rw-release.lua everywhere (one round trip); what fails to get through is swept. */
export function release(ctx: Context, resources: readonly string[], value: string, ttl: number): Promise<plain.Release> {
  return plain.releaseWith(ctx, ttl, (i) => releaseCall(ctx, resources, value, RELEASE_SUFFIX, i.publish));
}

function extend(
  ctx: Context,
  side: Side,
  resources: readonly string[],
  value: string,
  ttl: number,
  uncovered?: plain.Uncovered,
  renewOnly = false,
): Promise<Ballot<never>> {
  const { writer, readers } = keysOf(ctx, resources);
  return fanOut(ctx, {
    script: lua.rwExtend({ writer, readers }, { value, ttl, side, renewOnly }),
    yes: 'extended',
    decode: decodeExtend,
    grants: true,
    timeout: timeoutFor(ctx, ttl),
    onLate: uncovered && ((i, decoded) => decoded?.status === 'not-held' && uncovered.miss(i)),
  });
}

async function cover(ctx: Context, side: Side, index: number, resources: readonly string[], value: string, ttl: number): Promise<string> {
  const { writer, readers } = keysOf(ctx, resources);
  const ballot = await poll({
    instances: [ctx.instances[index]!],
    quorum: 1,
    yes: 'extended',
    timeout: timeoutFor(ctx, ttl),
    clock: ctx.options.clock,
    send: (instance) => instance.eval(lua.rwExtend({ writer, readers }, { value, ttl, side })),
    decode: decodeExtend,
  });
  return ballot.outcomes[0]!.status;
}
