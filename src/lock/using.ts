/** `using`: run a routine under a held lock, release it after, and report a loss. */
import { debuglog } from 'node:util';
import type { Lock } from './lock.js';

const debug = debuglog('tenure');

/**
 * Runs `routine(lock)` and releases the lock after. If the lock was lost meanwhile, rejects
 * with its LockLostError even if the routine finished: its work was not protected to the end.
 */
export async function runUsing<T>(lock: Lock, routine: (lock: Lock) => Promise<T> | T): Promise<T> {
  let result: T;
  try {
    result = await routine(lock);
  } catch (error) {
    throw lock.lostError ?? error;
  } finally {
    await lock.release().catch((error: unknown) => debug('release after using: %s', String(error)));
  }
  if (lock.lostError) throw lock.lostError;
  return result;
}
