/**
 * Adoption: a Lock for a lock another process took and handed over by value (`lock.handle`).
 *
 * Safety model: holding a lock is holding its random value on a quorum of servers, so a
 * process that knows the value can act for the holder. adopt() first renews the lock only
 * where the value still holds every key (renew-held.lua, or rw-extend.lua without re-take) —
 * it never sets a key that is gone — and needs a quorum: then the adopted Lock's validity
 * counts from that renewal (ttl − elapsed − drift), as after any extend. A handle whose lock
 * expired, was released or was taken by another is refused (LockLostError), and from then on
 * each extend and release is the lock's own compare-by-value. Both processes may extend and
 * release; whichever releases first ends it for both (the other sees it lost). `close()`
 * releases an adopted lock only when it was adopted with `autoExtend` (this process keeps it).
 */
import { type Context, drift } from '../core/context.js';
import { LockLostError, QuorumError, list } from '../errors.js';
import { bool, plainObject, rejectUnknown, resolveResources } from '../args.js';
import { withinQuarantine } from '../options/index.js';
import { rwResource, semaphoreSlot } from '../keys.js';
import { sideOps } from '../rwlock/ops.js';
import { ownerOf } from './acquire.js';
import { Coverage } from './coverage.js';
import { decodeHandle, type HandleData } from './handle.js';
import { PLAIN, type LockOps } from './kind.js';
import { Lock } from './lock.js';

/** Options of `redlock.adopt`. */
export interface AdoptOptions {
  /** Keep extending the adopted lock every ttl/3 from here. @default false */
  autoExtend?: boolean;
}

export async function adopt(ctx: Context, resource: unknown, handle: unknown, options: unknown): Promise<Lock> {
  const names = resolveResources(resource, false);
  const h = decodeHandle('handle', handle);
  const o = plainObject('options', options ?? {});
  rejectUnknown('options', o, new Set(['autoExtend']));
  const autoExtend = bool('options.autoExtend', o.autoExtend, false);
  if (!namesMatch(names, h)) {
    throw new RangeError(
      `Expected \`handle\` to be a handle of ${list(names)}, got one of ${list(h.resources)} (a ${h.kind === 'lock' ? 'lock' : h.kind + ' lock'})`,
    );
  }
  // (A handle comes from outside — an environment variable — so its ttl is checked like an acquire's.)
  withinQuarantine('handle ttl', h.ttl, ctx.options);
  ctx.assertOpen();
  const kind: LockOps = h.kind === 'lock' ? PLAIN : sideOps(h.kind);
  const start = ctx.options.clock.now();
  const ballot = await kind.confirm(ctx, h.resources, h.value, h.ttl);
  const n = ctx.instances.length;
  if (ballot.verdict !== 'quorum') {
    if (ballot.verdict === 'refused') {
      throw new LockLostError(`cannot adopt ${list(h.resources)}: that value no longer holds it on a quorum`, h.resources, ballot.outcomes);
    }
    throw new QuorumError(`could not adopt ${list(h.resources)}`, h.resources, ballot.outcomes, ctx.quorum);
  }
  const validUntil = start + h.ttl - drift(ctx, h.ttl);
  const coverage = n > 1 ? new Coverage(ctx, h.value, kind) : undefined;
  const lock = new Lock(ctx, {
    resources: h.resources,
    value: h.value,
    owner: ownerOf(h.value),
    ttl: h.ttl,
    validUntil,
    token: h.token,
    autoExtend,
    coverage,
    ops: kind,
    outcomes: ballot.outcomes,
  });
  ballot.outcomes.forEach((out, i) => {
    if (out.status !== 'extended') coverage?.miss(i);
  });
  coverage?.attach(lock);
  // close() releases what this process keeps: an adopted lock only when it renews it here
  // (autoExtend). Otherwise it stays the handing process's to keep, and this one's to release.
  if (autoExtend) ctx.live.add(lock);
  return lock;
}

/** The name a handle's lock was taken under: its resources, a read-write lock's name, or a semaphore's. */
function namesMatch(names: readonly string[], h: HandleData): boolean {
  const same = (a: readonly string[]): boolean => a.length === h.resources.length && a.every((r, i) => r === h.resources[i]);
  if (same(names)) return true;
  if (names.length !== 1) return false;
  const name = names[0]!;
  if (h.kind !== 'lock') return same([rwResource(name)]);
  const slot = semaphoreSlot(name, 0).slice(0, -1); // a semaphore's permits: `semaphore:<name>#<n>`
  return h.resources.every((r) => r.startsWith(slot) && /^\d+$/.test(r.slice(slot.length)));
}
