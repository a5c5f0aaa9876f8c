/**
 * What a kind of lock does on the servers: its acquire attempt, release, extend, coverage of
 * one server, and the phases of a fencing token. The plain lock's are lock/ops.ts; a
 * read-write lock's sides (rwlock/ops.ts) and a semaphore's permits (semaphore/pick.ts) bring
 * their own scripts and reuse everything else — the acquire loop, Lock, coverage, the keeper
 * and the fan-out.
 */
import type { Context } from '../core/context.js';
import type { Ballot } from '../core/ballot.js';
import { fanOut } from '../core/fan-out.js';
import { decodeExtend } from '../core/replies.js';
import * as lua from '../lua/scripts.generated.js';
import { fencePhase } from './fence.js';
import * as ops from './ops.js';

/** The kinds a Lock can be; a handle (lock.handle) names it, so that adopt() rebuilds the ops. */
export type LockKind = 'lock' | 'read' | 'write';

/** A won attempt may name the resources it took (a semaphore's permits: chosen by the servers). */
export interface KindAttempt extends ops.Attempt {
  readonly resources?: readonly string[];
}

export interface LockOps {
  readonly kind: LockKind;
  attempt(
    ctx: Context,
    resources: readonly string[],
    value: string,
    ttl: number,
    fence: boolean,
    uncovered?: ops.Uncovered,
    /** A waiter's place in line (the plain lock on one resource only). */
    claim?: ops.Claim,
    /** The plain lock only: may go as SET NX PX (see ops.attempt). */
    plain?: boolean,
  ): Promise<KindAttempt>;
  release: typeof ops.release;
  extend: typeof ops.extend;
  cover: typeof ops.cover;
  fencePhase: typeof fencePhase;
  /** Extend only where the value still holds it, never re-taking (adopt's first step). */
  confirm(ctx: Context, resources: readonly string[], value: string, ttl: number): Promise<Ballot<never>>;
  /** Takes the value off server `index` again (compare-and-delete, swept until answered). */
  takeBack(ctx: Context, index: number, resources: readonly string[], value: string, ttl: number): void;
}

/** The plain lock (Redlock.acquire and friends). */
export const PLAIN: LockOps = Object.freeze<LockOps>({
  kind: 'lock',
  attempt: ops.attempt,
  release: ops.release,
  extend: ops.extend,
  cover: ops.cover,
  fencePhase,
  confirm: (ctx, resources, value, ttl) => {
    const script = lua.renewHeld({ lock: ops.lockKeys(ctx, resources) }, { value, ttl });
    return fanOut(ctx, { script, yes: 'extended', decode: decodeExtend, grants: true });
  },
  takeBack: ops.takeBack,
});
