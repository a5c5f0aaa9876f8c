/**
 * Checks that bind a per-call ttl to the Redlock's own options. They sit apart from the
 * resolvers because the lock, the read-write lock and the semaphore call them too, when a
 * call (acquire, extend) names its own ttl. Each returns the ttl, or throws a RangeError
 * that names the argument and the option it collides with.
 */
import type { ResolvedOptions } from './redlock.js';

/** How often the main thread tells the keeper thread it is alive (`keeper: 'thread'`). */
export const HEARTBEAT = 50;

/**
 * A lock's ttl may not outlast the restart quarantine: a restarted server would vote again
 * while a lock it forgot is still valid. Returns the ttl; RangeError naming `name` otherwise.
 */
export function withinQuarantine(name: string, ttl: number, base: ResolvedOptions): number {
  const q = base.restartQuarantine;
  if (q > 0 && ttl > q) {
    throw new RangeError(
      `Expected \`${name}\` (${ttl} ms) at most the Redlock's restartQuarantine (${q} ms): a restarted server would vote again while a lock it forgot is still valid`,
    );
  }
  return ttl;
}

/**
 * With `keeper: 'thread'` and a `maxStall`, a lease must renew (every ttl/3) well within it:
 * else the thread would call the main thread hung before the first renewal. Returns the ttl.
 */
export function withinStall(name: string, ttl: number, base: ResolvedOptions): number {
  const s = base.maxStall;
  if (s !== undefined && s <= Math.floor(ttl / 3) + 2 * HEARTBEAT) {
    throw new RangeError(
      `Expected \`${name}\` (${ttl} ms) to renew (every ttl/3 = ${Math.floor(ttl / 3)} ms) more than ${2 * HEARTBEAT} ms within the Redlock's maxStall (${s} ms): raise maxStall or lower the ttl`,
    );
  }
  return ttl;
}
