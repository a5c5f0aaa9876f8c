/**
 * `tenure demo`: the whole system at work, in about twenty seconds. With no --redis it
 * starts 3 local redis-servers (free ports, temporary directories), then 5 worker
 * processes that elect a leader and share a fenced job; it kills the leader, pauses a
 * worker past its lock's ttl, and shows what happens on a live timeline, then a summary.
 * Every process it started is stopped at the end — also on Ctrl-C or an error.
 */
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { onSignals, signalStatus } from '../child.js';
import { act, subcommand } from '../command.js';
import { CliError, EXIT, debug, oneLine, positiveDuration, say } from '../common.js';
import { accumulateTargets, parseTargets, type Target } from '../endpoints.js';
import { startRedisSet, type RedisSet } from '../launcher/launcher.js';
import { closeAll, connectAll, scanKeys } from '../redis.js';
import { json } from '../table.js';
import { Fleet } from './fleet.js';
import { PLANS, follow, play, type Plan, type Story } from './scenario.js';
import { render, summarize } from './summary.js';
import { Timeline } from './timeline.js';
import { worker, type WorkerOptions } from './worker.js';

interface DemoOptions {
  redis?: Target[];
  prefix: string;
  quick?: boolean;
  json?: boolean;
}

export function registerDemo(program: Command): void {
  subcommand(program, 'demo')
    .description('watch it work: redis-servers, 5 workers electing a leader and sharing a fenced job; the leader killed, a worker paused')
    .addOption(
      new Option('--redis <urls>', 'use these endpoints (test ones: the demo writes keys) instead of starting 3 local servers')
        .env('TENURE_REDIS')
        .argParser(accumulateTargets),
    )
    .option('--prefix <prefix>', 'key prefix: the demo writes under <prefix>demo:<random>: and removes its keys after', 'tenure:')
    .option('--quick', 'a shorter run (about 10 s instead of 20 s)')
    .option('--json', 'no timeline: print a JSON summary for scripts')
    .addHelpText(
      'after',
      '\nExit status: 0 no overlap found; 1 an overlap found, or the script could not play out; 64 bad usage; 69 no redis-server (or --redis / TENURE_REDIS unreachable); 130 Ctrl-C.\n',
    )
    .action(act('demo', demo));

  subcommand(program, 'demo-worker', { hidden: true })
    .requiredOption('--name <name>', 'worker name')
    .addOption(new Option('--redis <urls>', 'servers').env('TENURE_REDIS').argParser(parseTargets).makeOptionMandatory())
    .requiredOption('--prefix <prefix>', 'key prefix')
    .requiredOption('--ttl <duration>', 'job lock ttl', positiveDuration)
    .requiredOption('--election-ttl <duration>', 'election ttl', positiveDuration)
    .requiredOption('--work <duration>', 'mean job duration', positiveDuration)
    .action(act('demo-worker', (o: WorkerOptions) => worker(o)));
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

async function demo(o: DemoOptions): Promise<number> {
  const plan = o.quick ? PLANS.quick : PLANS.full;
  const interrupt = new AbortController();
  const offSignals = onSignals((signal) => interrupt.abort(new Interrupted(signal)));
  const fleet = new Fleet();
  let servers: RedisSet | undefined;
  let timeline: Timeline | undefined;
  try {
    servers = o.redis === undefined ? await startServers() : undefined;
    const targets = servers ? parseTargets(servers.urls.join(',')) : o.redis!;
    const urls = targets.map((t) => t.url);
    if (servers === undefined) await reachable(targets);
    interrupt.signal.throwIfAborted();
    const live = !o.json && process.stdout.isTTY;
    const names = Array.from({ length: plan.workers }, (_, i) => `worker-${i + 1}`);
    timeline = openTimeline(o, plan, names, servers, urls.length, live);
    const { leader } = follow(fleet, timeline, live);
    const prefix = `${o.prefix}demo:${randomBytes(4).toString('hex')}:`;
    for (const name of names) fleet.spawn(name, { redis: urls, prefix, ttl: plan.ttl, electionTtl: plan.electionTtl, work: plan.work });
    const started = Date.now();
    timeline.start();
    const story: Story = { killed: new Map() };
    const problem = await playOut(fleet, timeline, plan, leader, story, interrupt.signal);
    const stopping = Date.now();
    await fleet.stop(2_000); // each resigns and releases: their last reports come in
    const record = { events: fleet.history, killed: story.killed, end: Date.now() };
    timeline.stop();
    timeline = undefined;
    if (servers) await servers.stop();
    else await forget(targets, prefix);
    const summary = summarize(record, story, { servers: targets.map((t) => t.label), plan, started, stopping, problem });
    const cleaned = `\nStopped the ${plan.workers} workers${servers ? ' and the 3 redis-servers, and removed their temporary directories' : ''}.\n`;
    process.stdout.write(o.json ? json(summary) : render(summary, plan) + cleaned);
    return summary.overlaps === 0 && problem === null ? EXIT.ok : 1;
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    timeline?.stop();
    timeline = undefined;
    say('demo', `${error.message}: stopping every process it started`);
    return signalStatus(error.signal);
  } finally {
    offSignals();
    timeline?.stop();
    fleet.kill();
    await servers?.stop();
  }
}

/** The live timeline (or, with --json, one that writes nothing). */
function openTimeline(
  o: DemoOptions,
  plan: Plan,
  names: string[],
  servers: RedisSet | undefined,
  endpoints: number,
  live: boolean,
): Timeline {
  const out = o.json ? { write: () => true } : process.stdout;
  const where = servers ? `3 local redis-servers (ports ${servers.servers.map((s) => s.port).join(', ')})` : `${endpoints} Redis endpoints`;
  const header = `Tenure demo: ${where}, ${plan.workers} workers; election "demo" (ttl ${plan.electionTtl} ms), fenced job lock (ttl ${plan.ttl} ms)`;
  return new Timeline(names, { out, live, color: live && process.env['NO_COLOR'] === undefined, slice: o.quick ? 200 : 300, header });
}

/** Plays the script: null when it played out, else what went wrong (an interruption is thrown on). */
async function playOut(
  fleet: Fleet,
  timeline: Timeline,
  plan: Plan,
  leader: () => string | undefined,
  story: Story,
  signal: AbortSignal,
): Promise<string | null> {
  try {
    await play(fleet, timeline, plan, leader, story, signal);
    return null;
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    const problem = oneLine(error instanceof Error ? error.message : String(error));
    debug('demo: %s; workers said: %s', problem, fleet.stderr.join(' | '));
    return problem;
  }
}

async function startServers(): Promise<RedisSet> {
  try {
    return await startRedisSet(3);
  } catch (error) {
    throw new CliError(`cannot start redis-server: ${oneLine(error instanceof Error ? error.message : String(error))}`, EXIT.unavailable, {
      cause: error,
    });
  }
}

/** With --redis, every server must answer: the demo needs them all to show anything. */
async function reachable(targets: readonly Target[]): Promise<void> {
  const servers = await connectAll(targets);
  closeAll(servers);
  const down = servers.filter((s) => s.client === null);
  if (down.length > 0)
    throw new CliError(`cannot reach Redis: ${down.map((s) => `${s.label}: ${s.error ?? 'unreachable'}`).join('; ')}`, EXIT.unavailable);
}

/** With --redis: deletes every key the demo wrote (they all start with its random prefix). */
async function forget(targets: readonly Target[], prefix: string): Promise<void> {
  const servers = await connectAll(targets);
  try {
    await Promise.all(
      servers.map(async ({ client }) => {
        if (client === null) return;
        for await (const keys of scanKeys(client, `${prefix}*`)) {
          // One key at a time on a Cluster: the keys of several locks are in several slots.
          for (const key of keys) await client.del(key);
        }
      }),
    );
  } catch (error) {
    debug('demo: cleaning up keys: %s', String(error));
  } finally {
    closeAll(servers);
  }
}
