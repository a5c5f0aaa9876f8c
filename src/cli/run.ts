/**
 * `tenure run <resource> -- <command...>`: flock(1) across machines. Takes the lock with a
 * fencing token, runs the command with the token in TENURE_FENCING_TOKEN while the lock is
 * auto-extended, stops the command if the lock is lost, releases the lock when it exits and
 * exits with its status.
 */
import type { Command } from 'commander';
import { LockTimeoutError, QuorumError, type Lock, type Redlock } from '../index.js';
import { Child, onSignals, signalStatus, statusOf } from './child.js';
import { act, durationOption, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { CliError, EXIT, debug, human, say } from './common.js';
import { openRedlock, preflight } from './redis.js';

interface RunOptions extends ConnectionOptions {
  ttl: number;
  wait: number;
  grace: number;
  owner?: string;
}

export function registerRun(program: Command): void {
  withConnection(subcommand(program, 'run'))
    .description('run a command while holding a lock (like flock(1) across machines)')
    .argument('<resource>', 'the lock to take')
    .argument('<command...>', 'the command and its arguments, after --')
    .addOption(durationOption('--ttl <duration>', 'lock time to live; extended every ttl/3 while the command runs', 10_000, '10s', 1))
    .addOption(durationOption('--wait <duration>', 'how long to wait for the lock; 0 makes one attempt', 0, '0', 0))
    .addOption(durationOption('--grace <duration>', 'if the lock is lost: time between SIGTERM and SIGKILL', 5_000, '5s', 0))
    .option('--owner <label>', 'owner label shown by `tenure status` (default: host/pid)')
    .addHelpText(
      'after',
      `
The command gets TENURE_FENCING_TOKEN (a number that grows with every holder: pass it to
the storage you write, so that it can refuse a holder that paused past its lock) and
TENURE_RESOURCE. SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to it; Ctrl-Z stops it
with tenure.

Exit status: the command's own (128+n if signal n ended it); 75 if the lock could not be
acquired within --wait; 76 if the lock was lost while the command ran (it was stopped);
64 bad usage; 69 Redis unreachable; 126/127 the command could not be run.

Example:
  tenure run nightly-report --ttl 30s --wait 1m -- ./report.sh --full
`,
    )
    .action(act('run', run));
}

async function run(resource: string, command: string[], o: RunOptions): Promise<number> {
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix, ...(o.owner === undefined ? {} : { owner: o.owner }) });
  try {
    await preflight(o.redis, redlock);
    const lock = await take(redlock, resource, o);
    if (typeof lock === 'number') return lock;
    return await supervise(lock, resource, command, o);
  } finally {
    await redlock.close().catch((error: unknown) => debug('close: %s', String(error)));
  }
}

/** The lock, or the exit status when a signal interrupted the wait. */
async function take(redlock: Redlock, resource: string, o: RunOptions): Promise<Lock | number> {
  const interrupt = new AbortController();
  const off = onSignals((signal) => interrupt.abort(signal));
  try {
    const lock = await redlock.acquire(resource, { ttl: o.ttl, wait: o.wait, fence: true, autoExtend: true, signal: interrupt.signal });
    if (interrupt.signal.aborted) {
      // Interrupted during the attempt that succeeded: give the lock back, run nothing.
      await lock.release().catch((error: unknown) => debug('release: %s', String(error)));
      return signalStatus(interrupt.signal.reason as NodeJS.Signals);
    }
    return lock;
  } catch (error) {
    if (interrupt.signal.aborted) return signalStatus(interrupt.signal.reason as NodeJS.Signals);
    if (error instanceof LockTimeoutError && error.cause instanceof QuorumError) {
      throw new CliError(error.cause.message, EXIT.unavailable, { cause: error });
    }
    if (error instanceof LockTimeoutError) throw new CliError(await busy(redlock, resource, o.wait), EXIT.tempfail, { cause: error });
    if (error instanceof QuorumError) throw new CliError(error.message, EXIT.unavailable, { cause: error });
    throw error;
  } finally {
    off();
  }
}

/** `"job" is held by host/123 (4.2 s left); not acquired within 0 ms` */
async function busy(redlock: Redlock, resource: string, wait: number): Promise<string> {
  const info = await redlock.inspect(resource).catch(() => null);
  const holder = info?.held ? `held by ${info.owner ?? 'another'} (${human(info.remaining)} left)` : 'held by another';
  return `${JSON.stringify(resource)} is ${holder}; not acquired within ${human(wait)}`;
}

async function supervise(lock: Lock, resource: string, command: string[], o: RunOptions): Promise<number> {
  const env = { ...process.env, TENURE_FENCING_TOKEN: String(lock.fencingToken), TENURE_RESOURCE: resource };
  // Forwarding is in place before the command starts: a SIGTERM that comes as soon as it
  // runs must reach it, not kill us and leave it running without its lock. (Handlers run on
  // the event loop, after `child` is set.)
  const started: { child?: Child } = {};
  const off = onSignals((signal) => started.child?.signal(signal));
  const child = new Child(command, env);
  started.child = child;
  let lost = false;
  const onLost = (): void => {
    lost = true;
    const why = lock.lostError?.message ?? `lost the lock on ${JSON.stringify(resource)}`;
    say('run', `${why}; stopping the command (SIGTERM, SIGKILL after ${human(o.grace)})`);
    void child.stop(o.grace);
  };
  if (lock.signal.aborted) onLost();
  else lock.signal.addEventListener('abort', onLost, { once: true });
  const exit = await child.exited;
  off();
  lock.signal.removeEventListener('abort', onLost);
  if (lost) await child.stop(o.grace);
  await lock.release().catch((error: unknown) => debug('release: %s', String(error)));
  if (exit.error) {
    const why = exit.error.code === 'ENOENT' ? 'command not found' : exit.error.message;
    say('run', `cannot run ${JSON.stringify(command[0])}: ${why}`);
  }
  return lost ? EXIT.lost : statusOf(exit);
}
