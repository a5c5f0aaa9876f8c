/**
 * `tenure leader <name> -- <command...>`: a sidecar that runs the command only while this
 * process leads the election. Elected: starts the command, with the leadership's term (its
 * fencing token) in TENURE_FENCING_TOKEN. Demoted: stops it (SIGTERM, then SIGKILL after
 * --grace), and campaigns again only once it is gone — so two terms never overlap in one
 * process. The command ends by itself: resigns and exits with its status. SIGINT / SIGTERM
 * / SIGHUP / SIGQUIT: passed on to the command if it runs (SIGKILL after --grace), then resigns and exits.
 */
import { Option, type Command } from 'commander';
import type { DemotedEvent, ElectedEvent, Election, Redlock } from '../index.js';
import { Child, PASSED, onSignals, signalStatus, statusOf } from './child.js';
import { act, durationOption, runnerSubcommand, withConnection, type ConnectionOptions } from './command.js';
import { CliError, EXIT, debug, human, oneLine, say } from './common.js';
import { LeaderHttp, parseListen, type Listen } from './leader-http.js';
import { LeaderState } from './leader-state.js';
import { openRedlock, preflight } from './redis.js';

interface LeaderOptions extends ConnectionOptions {
  ttl: number;
  grace: number;
  id?: string;
  http?: Listen;
  healthTolerance: number;
}

export function registerLeader(program: Command): void {
  withConnection(runnerSubcommand(program, 'leader'))
    .description('campaign in an election; run a command only while this process leads, and/or serve its state over HTTP')
    .usage('[options] <name> [command...]')
    .argument('<name>', 'the election')
    .argument('[command...]', 'the command and its arguments: everything after the name (or after --); none: only campaign')
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
    .addOption(
      new Option('--http <host:port>', 'serve /leader, /healthz, /readyz and /events here (port 0: any free port)').argParser(parseListen),
    )
    .addOption(
      durationOption(
        '--health-tolerance <duration>',
        '/healthz fails once it believes it leads this long after its lease ran out',
        2_000,
        '2s',
        0,
      ),
    )
    .addHelpText(
      'after',
      `
While it leads, the command runs with TENURE_FENCING_TOKEN set to the leadership's term (it
grows with every leader: pass it to the storage you write) and TENURE_ELECTION. Demoted
(the lease was lost), the command is stopped and the process campaigns again. When the
command ends by itself, tenure resigns and exits with its status. Without a command it
only campaigns (and serves --http) until stopped. Lines about elections go to stderr.
SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to the command (SIGKILL after --grace),
then tenure resigns and exits; SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH and the other signals
that would kill tenure are passed on to the command, or ignored when none runs.

With --http (a sidecar for Kubernetes): GET /leader (JSON: id, term, since, leading,
candidate), /healthz (200 while the campaign is healthy; 503 when it believes it leads
more than --health-tolerance after its lease ran out: a liveness probe), /readyz (200 only
while this process leads: a readiness probe routes a Service to the leader), /events
(server-sent events, \`event: leader\`, on every change). The address goes to stderr.

Exit status: the command's own (128+n if signal n ended it); 128+n when signal n stopped
tenure while no command ran; 64 bad usage (also: cannot listen on --http); 69 Redis
unreachable; 126/127 the command could not be run.

Examples:
  tenure leader indexer --ttl 10s ./indexer --full
  tenure leader indexer --http :8080          # campaign and serve only
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
    const sidecar = new Sidecar(election, command, o);
    const http = o.http === undefined ? undefined : await serve(election, redlock, sidecar, o.http, o.healthTolerance);
    try {
      sidecar.start();
      return await sidecar.done;
    } finally {
      await http?.close();
    }
  } finally {
    await redlock.close().catch((error: unknown) => debug('close: %s', String(error)));
  }
}

/** Starts the HTTP side; a bad or busy address is a usage error. */
async function serve(
  election: Election,
  redlock: Redlock,
  sidecar: Sidecar,
  at: Listen,
  tolerance: number,
): Promise<{ close(): Promise<void> }> {
  const state = new LeaderState(election, redlock, tolerance, () => sidecar.campaignOk);
  const http = new LeaderHttp(state);
  try {
    say('leader', `serving ${await http.listen(at)} (/leader, /healthz, /readyz, /events)`);
  } catch (error) {
    state.close();
    throw new CliError(
      `cannot serve HTTP on ${at.host}:${at.port}: ${error instanceof Error ? error.message : String(error)}`,
      EXIT.usage,
      { cause: error },
    );
  }
  return { close: async () => (state.close(), await http.close()) };
}

class Sidecar {
  readonly done: Promise<number>;
  readonly #election: Election;
  readonly #command: string[];
  readonly #o: LeaderOptions;
  #child: Child | undefined;
  #exiting = false;
  /** Set when the resignation found the lease gone. */
  #lostAtEnd = false;
  /** Stopping the command of a lost term. */
  #retiring: Promise<void> | undefined;
  #lastError = '';
  #finish: (code: number) => void = () => undefined;
  #offSignals: () => void = () => undefined;

  constructor(election: Election, command: string[], o: LeaderOptions) {
    this.#election = election;
    this.#command = command;
    this.#o = o;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    election.on('elected', (e) => this.#elected(e));
    election.on('demoted', (e) => this.#demoted(e));
    election.on('campaignError', (error) => this.#campaignError(error));
  }

  /** Campaigning, or not on purpose (stopping a lost term's command, exiting). */
  get campaignOk(): boolean {
    return this.#election.campaigning || this.#retiring !== undefined || this.#exiting;
  }

  start(): void {
    const ending = onSignals((signal) => void this.#interrupted(signal));
    const passed = onSignals((signal) => this.#child?.signal(signal), PASSED);
    this.#offSignals = () => (ending(), passed());
    say('leader', `campaigning for ${JSON.stringify(this.#election.name)} as ${this.#election.id}`);
    this.#election.start();
  }

  #elected(e: ElectedEvent): void {
    if (this.#exiting) return;
    this.#lastError = '';
    const what = this.#command.length === 0 ? '' : '; starting the command';
    say('leader', `elected leader of ${JSON.stringify(this.#election.name)} (term ${e.term})${what}`);
    if (this.#command.length === 0) return;
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
    if (e.reason === 'resigned') {
      // Resigning after the command ended: if the lease was found gone at the release, the
      // command's last moments ran beside the next leader.
      void e.released?.then((held) => {
        if (!held) this.#lostAtEnd = true;
      });
      return;
    }
    if (child === undefined) {
      if (this.#command.length === 0) say('leader', `lost the leadership (${oneLine(e.error?.message ?? e.reason)}); campaigning again`);
      return;
    }
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
    if (this.#lostAtEnd) {
      say('leader', 'the leadership was found gone when resigning (taken between renewals): the command did not end under it');
      return this.#finish(EXIT.lost);
    }
    this.#finish(code);
  }
}
