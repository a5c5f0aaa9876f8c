/**
 * Run-once tasks (a database migration): the first caller to take the task's lock runs
 * it; everyone else waits for that run and returns without running it. A successful run
 * is recorded in a done-marker on a quorum; a failed run is not, so the next caller (a
 * waiting one, or a later one) runs it again.
 *
 * What it guarantees: after `once` resolved `{ ran: true }` anywhere, every later call
 * resolves `{ ran: false }`, and no two runs overlap while each holder keeps its lock
 * (auto-extended). A run whose lock was lost before the end (even between renewals) is not
 * recorded and rejects with LockLostError: the next caller runs it again. A holder that crashes mid-run leaves the task undone; the next caller
 * takes over once its lease runs out. What it does not: make `fn` itself atomic — a run
 * that crashed halfway is run again from the start, so write `fn` to be re-runnable.
 */
import { debuglog } from 'node:util';
import type { Context } from '../core/context.js';
import { onceResource } from '../keys.js';
import { acquire } from '../lock/acquire.js';
import { withRoutineError } from '../lock/using.js';
import { readMark, writeMark } from './marker.js';

const debug = debuglog('tenure');

export type OnceResult<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

export interface ResolvedOnce {
  readonly ttl: number;
  readonly wait: number;
  readonly signal: AbortSignal | undefined;
}

export async function once<T>(
  ctx: Context,
  name: string,
  fn: (signal: AbortSignal) => T | Promise<T>,
  o: ResolvedOnce,
): Promise<OnceResult<T>> {
  const resource = onceResource(name);
  if ((await readMark(ctx, resource)) >= 1) return { ran: false }; // done already: one round trip, no lock
  const lock = (await acquire(
    ctx,
    [resource],
    {
      ttl: o.ttl,
      fence: false,
      autoExtend: true,
      wait: o.wait,
      // A finished run's release wakes a waiter at once; the delay only bounds a crashed run's take-over.
      retryDelay: Math.max(ctx.options.retryDelay, Math.floor(o.ttl / 2)),
      retryJitter: ctx.options.retryJitter,
      signal: o.signal,
    },
    false,
  ))!;
  let outcome: { value: T } | { error: unknown };
  try {
    if ((await readMark(ctx, resource)) >= 1) return { ran: false }; // another caller ran it while we waited
    try {
      outcome = { value: await fn(lock.signal) };
    } catch (error) {
      outcome = { error };
    }
    // Recorded only where the lock still holds this run's value: a run that was not alone to
    // the end is not recorded (the next caller runs it again) and rejects with LockLostError.
    if ('value' in outcome && !lock.lostError) await writeMark(ctx, resource, 1, 0, lock.value);
  } finally {
    await lock.release().catch((error: unknown) => debug('once %s: release: %s', name, String(error)));
  }
  const lost = lock.lostError;
  if ('error' in outcome) throw lost ? withRoutineError(lost, outcome.error) : outcome.error;
  if (lost) throw lost;
  return { ran: true, value: outcome.value };
}
