/** Event helpers shared by the long-running primitives (election, schedule). */
import type { EventEmitter } from 'node:events';

/**
 * Emits without letting a listener's exception into the campaign: a throwing `elected` or
 * `demoted` handler must not leave a lock renewed with nobody leading. The exception is
 * rethrown on the next tick, as an uncaught error of the listener's own.
 */
export function safeEmit<E extends Record<keyof E, unknown[]>, K extends keyof E & string>(
  emitter: EventEmitter<E>,
  event: K,
  ...args: E[K]
): void {
  try {
    (emitter.emit as (this: EventEmitter<E>, event: string, ...a: unknown[]) => boolean).call(emitter, event, ...(args as unknown[]));
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
