/**
 * The command `tenure run` and `tenure leader` supervise. It runs in a session (and process
 * group) of its own, so that stopping it reaches everything it started — a shell's
 * children too — and a terminal's Ctrl-C reaches it once, through us, not twice. It
 * inherits stdin, stdout and stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { sleep } from '../core/sleep.js';
import { EXIT, debug } from './common.js';

export interface ChildExit {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all. */
  readonly error?: NodeJS.ErrnoException;
}

const known = (list: readonly NodeJS.Signals[]): readonly NodeJS.Signals[] => list.filter((s) => constants.signals[s] !== undefined);

/**
 * Signals that end `tenure`: passed on to the command while it runs (tenure ends when it
 * does); with no command running, tenure gives up cleanly (the lock released) with 128+n.
 */
export const ENDING: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * Every other catchable signal whose default would kill us (or start Node's inspector, for
 * SIGUSR1), and SIGWINCH: passed on to the command while it runs, ignored otherwise — never
 * fatal to tenure alone, which would leave the command running without its lock.
 */
export const PASSED: readonly NodeJS.Signals[] = known([
  'SIGUSR1',
  'SIGUSR2',
  'SIGALRM',
  'SIGVTALRM',
  'SIGPROF',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGPWR',
  'SIGIO',
  'SIGSYS',
  'SIGTRAP',
  'SIGABRT',
  'SIGSTKFLT',
  'SIGWINCH',
]);

/** Ignores the PASSED signals for the whole process: only a command's supervisor passes them on. */
export function ignorePassedSignals(): void {
  for (const s of PASSED) process.on(s, () => debug('%s: ignored (no command runs)', s));
}

export class Child {
  readonly #child: ChildProcess;
  readonly #group: number | undefined;
  /** Resolves when the command has exited (or failed to start). */
  readonly exited: Promise<ChildExit>;
  #stopping: Promise<void> | undefined;

  constructor(command: readonly string[], env: NodeJS.ProcessEnv) {
    const [file, ...args] = command;
    if (file === undefined) throw new TypeError('Expected a command to run');
    // Job control: the command is in a session of its own, so the terminal's Ctrl-Z (SIGTSTP)
    // reaches only us. Stop the command with us — it must never run while we, stopped, cannot
    // extend its lock — and continue it when we are continued (fg, bg). Installed before the
    // command starts: a SIGTSTP that comes as soon as it runs must not stop us alone. (The
    // handlers run on the event loop, after this constructor: #group is set by then.)
    const onStop = (): void => {
      this.signal('SIGSTOP');
      process.kill(process.pid, 'SIGSTOP');
    };
    const onCont = (): void => this.signal('SIGCONT');
    process.on('SIGTSTP', onStop);
    process.on('SIGCONT', onCont);
    this.#child = spawn(file, args, { stdio: 'inherit', env, detached: true });
    this.#group = this.#child.pid;
    this.exited = new Promise((resolve) => {
      this.#child.once('error', (error: NodeJS.ErrnoException) => {
        if (this.#child.pid === undefined) resolve({ code: null, signal: null, error });
      });
      this.#child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    void this.exited.then(() => {
      process.off('SIGTSTP', onStop);
      process.off('SIGCONT', onCont);
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Sends `signal` to the command's process group (to the command itself if that fails). */
  signal(signal: NodeJS.Signals): void {
    if (this.#group === undefined) return;
    try {
      process.kill(-this.#group, signal);
    } catch {
      try {
        this.#child.kill(signal);
      } catch {
        // gone already
      }
    }
  }

  /**
   * `signal` (SIGTERM) to the group, SIGKILL after `grace` ms if anything in it still runs.
   * Resolves once the command has exited and its group is empty (or was SIGKILLed). Called
   * again while stopping, it passes the signal on and waits for the same end.
   */
  stop(grace: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.#stopping) this.signal(signal);
    this.#stopping ??= this.#stop(grace, signal);
    return this.#stopping;
  }

  async #stop(grace: number, signal: NodeJS.Signals): Promise<void> {
    this.signal(signal);
    const deadline = performance.now() + grace;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while ((!exited || this.#groupAlive()) && performance.now() < deadline) await sleep(Math.min(50, deadline - performance.now()));
    if (this.#groupAlive()) {
      debug('command still running %d ms after SIGTERM: SIGKILL', grace);
      this.signal('SIGKILL');
    }
    await this.exited;
  }

  #groupAlive(): boolean {
    if (this.#group === undefined) return false;
    try {
      process.kill(-this.#group, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** The exit status a shell would report: the code, or 128 + the signal's number. */
export function statusOf(exit: ChildExit): number {
  if (exit.error) return exit.error.code === 'ENOENT' ? EXIT.notFound : EXIT.cannotExecute;
  if (exit.code !== null) return exit.code;
  const n = exit.signal === null ? undefined : constants.signals[exit.signal];
  return n === undefined ? EXIT.software : 128 + n;
}

/** The exit status for dying of `signal` ourselves: 128 + its number. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Calls `handler` for each of `signals` (ENDING by default) `tenure` receives, until the returned function is called. */
export function onSignals(handler: (signal: NodeJS.Signals) => void, signals: readonly NodeJS.Signals[] = ENDING): () => void {
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
