/** `using`: run a routine under a held lock, release it after, and report a loss. */
import { debuglog } from 'node:util';
import { LockLostError } from '../errors.js';
import type { Lock } from './lock.js';

const debug = debuglog('tenure');

/**
 * Runs `routine(lock)` and releases the lock after. If the lock was lost meanwhile — also
 * when the final release finds it gone — rejects with its LockLostError even if the routine
 * finished: its work was not protected to the end. When the final release cannot tell
 * (QuorumError: too many servers gave no answer), rejects with that error. When the routine threw too, the
 * rejection is a LockLostError whose `cause` is what the routine threw.
 */
export async function runUsing<T>(lock: Lock, routine: (lock: Lock) => Promise<T> | T): Promise<T> {
  let outcome: { value: T } | { error: unknown };
  try {
    outcome = { value: await routine(lock) };
  } catch (error) {
    outcome = { error };
  }
  // A release that cannot tell (too many servers gave no answer): whether the work was
  // protected to the end is unknown, so the routine's value is not handed back as if it was.
  // (The lock still counts as held: close() releases it.)
  let unconfirmed: Error | undefined;
  await lock.release().catch((error: unknown) => {
    debug('release after using: %s', String(error));
    unconfirmed = error instanceof Error ? error : new Error(String(error));
  });
  const lost = lock.lostError;
  if ('error' in outcome) throw lost ? withRoutineError(lost, outcome.error) : outcome.error;
  if (lost) throw lost;
  if (unconfirmed !== undefined) throw unconfirmed;
  return outcome.value;
}

/** The loss, with what the routine threw as its cause (the loss's own reason is in its message). */
export function withRoutineError(lost: LockLostError, error: unknown): LockLostError {
  const what = error instanceof Error ? error.message : String(error);
  // (its message already lists each instance's answer)
  return new LockLostError(`${lost.message}; the routine also threw: ${what}`, lost.resources, [], { cause: error });
}
