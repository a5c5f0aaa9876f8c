/**
 * `tenure leader <name> -- <command...>`: a sidecar that runs the command only while this
 * process leads the election. Elected: starts the command, with the leadership's term (its
 * fencing token) in TENURE_FENCING_TOKEN. Demoted: stops it (SIGTERM, then SIGKILL after
 * --grace), and campaigns again only once it is gone — so two terms never overlap in one
 * process. The command ends by itself: resigns and exits with its status. SIGINT / SIGTERM
 * / SIGHUP / SIGQUIT: passed on to the command if it runs (SIGKILL after --grace), then resigns and exits.
 */
import type { Command } from 'commander';
import type { DemotedEvent, ElectedEvent, Election } from '../index.js';
import { Child, onSignals, signalStatus, statusOf } from './child.js';
import { act, durationOption, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { CliError, EXIT, debug, human, oneLine, say } from './common.js';
import { openRedlock, preflight } from './redis.js';

interface LeaderOptions extends ConnectionOptions {
  ttl: number;
  grace: number;
  id?: string;
}

export function registerLeader(program: Command): void {
  withConnection(subcommand(program, 'leader'))
    .description('run a command only while this process is the leader of an election')
    .argument('<name>', 'the election')
    .argument('<command...>', 'the command and its arguments, after --')
    .addOption(
      durationOption(
        '--ttl <duration>',
        "the leader's lease, renewed every ttl/3; a dead leader is replaced within about one ttl",
        10_000,
        '10s',
        1,
      ),
    )
    .addOption(durationOption('--grace <duration>', 'on demotion: time between SIGTERM and SIGKILL', 5_000, '5s', 0))
    .option('--id <label>', "this candidate's id, shown by `tenure status` (default: host/pid)")
    .addHelpText(
      'after',
      `
While it leads, the command runs with TENURE_FENCING_TOKEN set to the leadership's term (it
grows with every leader: pass it to the storage you write) and TENURE_ELECTION. Demoted
(the lease was lost), the command is stopped and the process campaigns again. When the
command ends by itself, tenure resigns and exits with its status. Lines about elections go
to stderr. SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to the command (SIGKILL after --grace),
then tenure resigns and exits.

Exit status: the command's own (128+n if signal n ended it); 128+n when signal n stopped
tenure while it did not lead; 64 bad usage; 69 Redis unreachable; 126/127 the command
could not be run.
`,
    )
    .action(act('leader', leader));
}

async function leader(name: string, command: string[], o: LeaderOptions): Promise<number> {
  // Renewal runs every ttl/3: a command must be able to time out well within it.
  const commandTimeout = Math.max(1, Math.min(1_000, Math.floor(o.ttl / 4)));
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix, commandTimeout, ...(o.id === undefined ? {} : { owner: o.id }) });
  try {
    await preflight(o.redis, redlock);
    let election: Election;
    try {
      election = redlock.election(name, { ttl: o.ttl });
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage, { cause: error });
    }
    return await new Sidecar(election, command, o).done;
  } finally {
    await redlock.close().catch((error: unknown) => debug('close: %s', String(error)));
  }
}

class Sidecar {
  readonly done: Promise<number>;
  readonly #election: Election;
  readonly #command: string[];
  readonly #o: LeaderOptions;
  #child: Child | undefined;
  #exiting = false;
  /** Stopping the command of a lost term. */
  #retiring: Promise<void> | undefined;
  #lastError = '';
  #finish: (code: number) => void = () => undefined;
  readonly #offSignals: () => void;

  constructor(election: Election, command: string[], o: LeaderOptions) {
    this.#election = election;
    this.#command = command;
    this.#o = o;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    election.on('elected', (e) => this.#elected(e));
    election.on('demoted', (e) => this.#demoted(e));
    election.on('campaignError', (error) => this.#campaignError(error));
    this.#offSignals = onSignals((signal) => void this.#interrupted(signal));
    say('leader', `campaigning for ${JSON.stringify(election.name)} as ${election.id}`);
    election.start();
  }

  #elected(e: ElectedEvent): void {
    if (this.#exiting) return;
    this.#lastError = '';
    say('leader', `elected leader of ${JSON.stringify(this.#election.name)} (term ${e.term}); starting the command`);
    const env = { ...process.env, TENURE_FENCING_TOKEN: String(e.term), TENURE_ELECTION: this.#election.name };
    const child = new Child(this.#command, env);
    this.#child = child;
    void child.exited.then((exit) => {
      if (this.#child !== child) return; // stopped on demotion: that path carries on
      this.#child = undefined;
      if (exit.error)
        say(
          'leader',
          `cannot run ${JSON.stringify(this.#command[0])}: ${exit.error.code === 'ENOENT' ? 'command not found' : exit.error.message}`,
        );
      else if (!this.#exiting) say('leader', `the command exited (status ${statusOf(exit)}); resigning`);
      void this.#exit(statusOf(exit));
    });
  }

  #demoted(e: DemotedEvent): void {
    const child = this.#child;
    if (e.reason === 'resigned' || child === undefined) return;
    this.#child = undefined;
    const why = oneLine(e.error?.message ?? e.reason);
    say('leader', `lost the leadership (${why}); stopping the command (SIGTERM, SIGKILL after ${human(this.#o.grace)})`);
    this.#retiring = (async () => {
      await this.#election.stop(); // no campaigning while the old term's command may still run
      await child.stop(this.#o.grace);
      this.#retiring = undefined;
      if (this.#exiting) return this.#exit(statusOf(await child.exited));
      say('leader', 'the command stopped; campaigning again');
      this.#election.start();
    })();
  }

  #campaignError(error: Error): void {
    const message = oneLine(error.message);
    if (message === this.#lastError) return; // one line per distinct trouble, not one per attempt
    this.#lastError = message;
    say('leader', `campaigning: ${message}`);
  }

  async #interrupted(signal: NodeJS.Signals): Promise<void> {
    const first = !this.#exiting;
    this.#exiting = true;
    // Passed on to the command, SIGKILL after --grace: its exit resigns and finishes.
    if (this.#child) return void this.#child.stop(this.#o.grace, signal);
    if (first && this.#retiring === undefined) await this.#exit(signalStatus(signal)); // else #retiring finishes
  }

  async #exit(code: number): Promise<void> {
    this.#exiting = true;
    this.#offSignals();
    await this.#election.stop(); // resigns at once when leading
    this.#finish(code);
  }
}
