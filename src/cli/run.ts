/**
 * `tenure run <resource> <command...>`: flock(1) across machines. Takes the lock (or one of
 * --limit permits) with a fencing token, runs the command with the token in
 * TENURE_FENCING_TOKEN while the lock is auto-extended, stops the command if the lock is
 * lost, releases the lock when it exits and exits with its status.
 */
import { Option, type Command } from 'commander';
import type { Lock, Redlock } from '../index.js';
import { Child, ENDING, PASSED, onSignals, statusOf } from './child.js';
import { act, durationOption, runnerSubcommand, withConnection, type ConnectionOptions } from './command.js';
import { CliError, EXIT, debug, exitStatus, human, parseWait, positiveInt, say } from './common.js';
import { openRedlock, preflight } from './redis.js';
import { take, type TakeOptions } from './take.js';

interface RunOptions extends ConnectionOptions, TakeOptions {
  grace: number;
  owner?: string;
  command?: string;
}

export function registerRun(program: Command): void {
  withConnection(runnerSubcommand(program, 'run'))
    .description('run a command while holding a lock (like flock(1) across machines)')
    .usage('[options] <resource> <command...>   or   [options] <resource> -c <shell command>')
    .argument('<resource>', 'the lock to take')
    .argument('[command...]', 'the command and its arguments: everything after the resource (or after --)')
    .addOption(durationOption('--ttl <duration>', 'lock time to live; extended every ttl/3 while the command runs', 10_000, '10s', 1))
    .addOption(
      new Option('-w, --wait <duration>', 'wait at most this long for the lock ("forever": no limit)')
        .argParser(parseWait)
        .default(Infinity, 'forever'),
    )
    .addOption(new Option('-n, --nonblock', 'one attempt: fail at once if the lock is held (same as --wait 0)').conflicts('wait'))
    .addOption(
      new Option('-E, --conflict-exit-code <status>', 'exit status when the lock is held (-n) or --wait ran out')
        .argParser(exitStatus)
        .default(EXIT.tempfail),
    )
    .option('-c, --command <shell command>', 'run this with $SHELL -c (/bin/sh if unset) instead of a command and arguments')
    .addOption(new Option('--limit <n>', 'a semaphore: admit up to n holders at once (n permits) instead of one').argParser(positiveInt))
    .option('-v, --verbose', 'on stderr: who holds the lock while waiting, and how long getting it took')
    .addOption(durationOption('--grace <duration>', 'if the lock is lost: time between SIGTERM and SIGKILL', 5_000, '5s', 0))
    .option('--owner <label>', 'owner label shown by `tenure status` (default: host/pid)')
    .addHelpText(
      'after',
      `
Options are read up to the first argument after the resource: the rest is the command, so
\`tenure run job ls -l\` runs \`ls -l\` (\`--\` before the command works too). Durations: a
bare number is seconds (10, 0.5), or 500ms, 5s, 2m, 1h. Without -n or --wait, it waits for
the lock without limit, as flock(1) does; on a terminal a live line shows who holds it.

The command gets TENURE_FENCING_TOKEN (a number that grows with every holder: pass it to
the storage you write, so that it can refuse a holder that paused past its lock) and
TENURE_RESOURCE. With --limit, the lock is one of n permits (its token grows per permit).
TENURE_LOCK_HANDLE lets the command extend its lock with the library (redlock.adopt).
Signals are passed on to the command (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
SIGALRM, SIGWINCH and the others that would kill tenure); Ctrl-Z stops it with tenure.
While tenure waits, SIGINT/SIGTERM/SIGHUP/SIGQUIT give up the wait; the others are ignored.

Exit status: the command's own (128+n if signal n ended it); 75 (or -E's) if the lock is
held (-n) or --wait ran out; 76 if the lock was lost while the command ran (it was
stopped); 64 bad usage; 69 Redis unreachable; 126/127 the command could not be run;
128+n signal n while waiting.

Examples:
  tenure run nightly-report --ttl 30s --wait 1m ./report.sh --full
  tenure run -n deploy -c 'make deploy && echo done'
  tenure run --limit 3 encoder -- ffmpeg -i in.mp4 out.webm
`,
    )
    .action(act('run', run));
}

async function run(resource: string, args: string[], o: RunOptions): Promise<number> {
  const command = commandLine(args, o.command);
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix, ...(o.owner === undefined ? {} : { owner: o.owner }) });
  try {
    await preflight(o.redis, redlock);
    const lock = await take(redlock, resource, o);
    if (typeof lock === 'number') return lock;
    return await supervise(redlock, lock, resource, command, o);
  } finally {
    await redlock.close().catch((error: unknown) => debug('close: %s', String(error)));
  }
}

/**
 * Whether another value holds the lock now (one look, before the release): true when it was
 * taken; false when it is still ours or gone (the command released it itself). Unknown
 * (servers not answering) counts as taken only if the release then finds it gone.
 */
async function takenAtEnd(redlock: Redlock, lock: Lock): Promise<boolean> {
  const info = await redlock.inspect(lock.resources[0]!).catch(() => undefined);
  return info === undefined || (info.held && info.value !== lock.value);
}

/** The command and its arguments, or -c's string for the shell. */
function commandLine(args: string[], shell: string | undefined): string[] {
  if (shell !== undefined && args.length > 0) {
    throw new CliError(`give either a command or -c, not both (got -c and ${JSON.stringify(args[0])})`, EXIT.usage);
  }
  if (shell !== undefined) return [process.env['SHELL'] || '/bin/sh', '-c', shell];
  if (args.length === 0)
    throw new CliError("missing the command: tenure run <resource> <command...> (or -c '<shell command>')", EXIT.usage);
  return args;
}

async function supervise(redlock: Redlock, lock: Lock, resource: string, command: string[], o: RunOptions): Promise<number> {
  const env = {
    ...process.env,
    TENURE_FENCING_TOKEN: String(lock.fencingToken),
    TENURE_RESOURCE: resource,
    TENURE_LOCK_HANDLE: lock.handle,
  };
  // Forwarding is in place before the command starts: a SIGTERM that comes as soon as it
  // runs must reach it, not kill us and leave it running without its lock. (Handlers run on
  // the event loop, after `child` is set.)
  const started: { child?: Child } = {};
  const off = onSignals((signal) => started.child?.signal(signal), [...ENDING, ...PASSED]);
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
  // Gone at the end: taken by another (between renewals), or released by the command itself
  // through TENURE_LOCK_HANDLE. Only a lock that another value holds now counts as lost.
  const takenFromUs = lost ? false : await takenAtEnd(redlock, lock);
  await lock.release().catch((error: unknown) => debug('release: %s', String(error)));
  if (exit.error) {
    const why = exit.error.code === 'ENOENT' ? 'command not found' : exit.error.message;
    say('run', `cannot run ${JSON.stringify(command[0])}: ${why}`);
  }
  if (!lost && lock.lostError && takenFromUs) {
    // Taken between renewals (a forced release, a failover, a server restarted empty): the
    // command's last moments ran beside the next holder.
    say('run', `${lock.lostError.message}; the command had finished (status ${statusOf(exit)}), but not under the lock`);
    return EXIT.lost;
  }
  return lost ? EXIT.lost : statusOf(exit);
}
