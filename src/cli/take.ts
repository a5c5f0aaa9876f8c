/**
 * Taking the lock (or, with --limit, a permit) for `tenure run`: one attempt (-n), up to
 * --wait, or without limit (the default, as flock's). SIGINT/SIGTERM/SIGHUP/SIGQUIT give up
 * the wait. The library's waits are bounded: waiting without limit is a loop of them.
 */
import { LockTimeoutError, QuorumError, type Lock, type Redlock } from '../index.js';
import { onSignals, signalStatus } from './child.js';
import { CliError, EXIT, debug, human } from './common.js';
import { WaitStatus } from './waiting.js';

export interface TakeOptions {
  ttl: number;
  /** ms; Infinity: no limit. */
  wait: number;
  nonblock?: boolean;
  limit?: number;
  conflictExitCode: number;
  verbose?: boolean;
}

/** The longest wait the library takes in one call (about 24.8 days). */
const STRETCH = 2_147_483_647;

/** The lock, or the exit status when a signal interrupted the wait. */
export async function take(redlock: Redlock, resource: string, o: TakeOptions): Promise<Lock | number> {
  const wait = o.nonblock ? 0 : o.wait;
  const interrupt = new AbortController();
  const off = onSignals((signal) => interrupt.abort(signal));
  const status = new WaitStatus({
    redlock,
    resource,
    verbose: o.verbose === true,
    live: process.stderr.isTTY,
    ...(o.limit === undefined ? {} : { permits: o.limit }),
  });
  let lock: Lock | undefined;
  try {
    lock = await attempts(redlock, resource, o, wait, interrupt.signal, status);
    if (interrupt.signal.aborted) {
      // Interrupted during the attempt that succeeded: give the lock back, run nothing.
      await lock.release().catch((error: unknown) => debug('release: %s', String(error)));
      lock = undefined;
      return signalStatus(interrupt.signal.reason as NodeJS.Signals);
    }
    return lock;
  } catch (error) {
    if (interrupt.signal.aborted) return signalStatus(interrupt.signal.reason as NodeJS.Signals);
    if (error instanceof LockTimeoutError && error.cause instanceof QuorumError) {
      throw new CliError(error.cause.message, EXIT.unavailable, { cause: error });
    }
    if (error instanceof LockTimeoutError) {
      throw new CliError(await busy(redlock, resource, o, wait), o.conflictExitCode, { cause: error });
    }
    if (error instanceof QuorumError) throw new CliError(error.message, EXIT.unavailable, { cause: error });
    throw error;
  } finally {
    status.stop(lock);
    off();
  }
}

async function attempts(
  redlock: Redlock,
  resource: string,
  o: TakeOptions,
  wait: number,
  signal: AbortSignal,
  status: WaitStatus,
): Promise<Lock> {
  const semaphore = o.limit === undefined ? undefined : redlock.semaphore(resource, { permits: o.limit, ttl: o.ttl });
  for (;;) {
    const stretch = Math.min(STRETCH, Math.max(0, Math.round(wait - status.waited)));
    const options = { ttl: o.ttl, wait: stretch, fence: true, autoExtend: true, signal };
    try {
      return await (semaphore ? semaphore.acquire(options) : redlock.acquire(resource, options));
    } catch (error) {
      const unlimited = wait === Infinity && error instanceof LockTimeoutError && !(error.cause instanceof QuorumError);
      if (!unlimited || signal.aborted) throw error;
    }
  }
}

/** `"job" is held by host/123 (4.2 s left); not acquired within 0 ms` */
async function busy(redlock: Redlock, resource: string, o: TakeOptions, wait: number): Promise<string> {
  const within = o.nonblock ? 'not acquired (--nonblock)' : `not acquired within ${human(wait)}`;
  if (o.limit !== undefined) return `all ${o.limit} permits of ${JSON.stringify(resource)} are held; ${within}`;
  const info = await redlock.inspect(resource).catch(() => null);
  const holder = info?.held ? `held by ${info.owner ?? 'another'} (${human(info.remaining)} left)` : 'held by another';
  return `${JSON.stringify(resource)} is ${holder}; ${within}`;
}
