/**
 * The end of one term of leadership. A term ends when the campaign stops (resigned), when the
 * lock is lost (its 'lost': expired, taken, or renewals failed until it ran out), or early,
 * by a step-down while renewals are failing — see termEnd.
 */
import { Keeper } from '../core/keeper.js';
import { LockLostError } from '../errors.js';
import type { Lock } from '../lock/lock.js';
import type { DemotionReason } from './events.js';

/** Why a term ended; `early`: stepped down before the lease ran out (it is released). */
export interface TermEnd {
  readonly reason: DemotionReason;
  readonly error?: Error;
  readonly early?: boolean;
}

/**
 * How a term ends: resigned (the campaign stopped), lost (the lock's 'lost'), or an early
 * step-down. A margin (ttl/20, at least 20 ms, at most ttl/4) before the validity runs out
 * — renewals have been failing — the leader steps down, while the lease is still its own on
 * the servers rather than at its very end: `demoted` must come before anyone else can be
 * elected, even on a busy event loop. No timer of its own: a watch-only keeper
 * (core/keeper.ts) over the leadership, whose validity is the lock's less the margin.
 */
export async function termEnd(lock: Lock, campaign: AbortSignal, ttl: number, name: string): Promise<TermEnd> {
  const margin = Math.min(Math.max(20, Math.floor(ttl / 20)), Math.floor(ttl / 4));
  let cleanup: () => void = () => undefined;
  const end = await new Promise<TermEnd>((resolve) => {
    const onLost = (error: Error): void => resolve({ reason: error.cause === undefined ? 'lost' : 'error', error });
    const onStop = (): void => resolve({ reason: 'resigned' });
    const stepDown = (): void => {
      const left = lock.remaining();
      if (left <= 0) return; // already over (a pause, a blocked loop): the lock reports it lost, as of its expiry
      const message = `stepped down from ${name}: its lease could not be renewed, ${left} ms of validity left`;
      resolve({ reason: 'error', error: new LockLostError(message, lock.resources, []), early: true });
    };
    const leadership = { remaining: () => lock.remaining() - margin, renew: () => Promise.resolve('renewed' as const), lost: stepDown };
    const watch = new Keeper(leadership, { interval: null, retry: 0 });
    cleanup = () => {
      watch.stop();
      lock.off('lost', onLost);
      campaign.removeEventListener('abort', onStop);
    };
    lock.once('lost', onLost);
    campaign.addEventListener('abort', onStop, { once: true });
    if (leadership.remaining() <= 0) stepDown();
    else watch.start();
    if (lock.lostError) onLost(lock.lostError);
    if (campaign.aborted) onStop();
  });
  cleanup();
  return end;
}
