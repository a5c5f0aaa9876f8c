/**
 * `tenure observe <name>`: prints the leader of an election, then every change, until
 * stopped — without campaigning. The library's `election.observe()` hears announcements
 * only while its election campaigns, so this reads the election's lock with
 * `redlock.inspect` every --interval instead (one round trip per server each time).
 */
import type { Command } from 'commander';
import type { LockInfo } from '../index.js';
import { ENDING, onSignals } from './child.js';
import { act, durationOption, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { EXIT, debug, oneLine, say, sleep } from './common.js';
import { openRedlock, preflight } from './redis.js';

interface ObserveOptions extends ConnectionOptions {
  json?: boolean;
  interval: number;
}

export function registerObserve(program: Command): void {
  withConnection(subcommand(program, 'observe'))
    .description('print the leader of an election and every change, as they happen (does not campaign)')
    .argument('<name>', 'the election')
    .option('--json', 'one JSON object a line: {"at", "id", "term"} (id and term null when nobody leads)')
    .addOption(durationOption('--interval <duration>', 'how often to read the election', 250, '250ms', 1))
    .addHelpText(
      'after',
      `
Each line: the time, and the leader's id and term (its fencing token), or "no leader".
It runs until SIGINT or SIGTERM. Redis trouble is reported on stderr, once per kind.

Exit status: 0 when stopped by SIGINT/SIGTERM; 64 bad usage; 69 Redis unreachable at start.
`,
    )
    .action(act('observe', observe));
}

async function observe(name: string, o: ObserveOptions): Promise<number> {
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix });
  const stop = new AbortController();
  const off = onSignals(() => stop.abort(), ENDING);
  try {
    await preflight(o.redis, redlock);
    let last: string | undefined;
    let trouble = '';
    while (!stop.signal.aborted) {
      try {
        const seen = key(await redlock.inspect(`election:${name}`));
        trouble = '';
        if (seen.text !== last) print(seen, o.json === true);
        last = seen.text;
      } catch (error) {
        const message = oneLine(error instanceof Error ? error.message : String(error));
        if (message !== trouble) say('observe', message);
        trouble = message;
        debug('observe: %s', String(error));
      }
      await sleep(o.interval, stop.signal);
    }
    return EXIT.ok;
  } finally {
    off();
    await redlock.close().catch((error: unknown) => debug('close: %s', String(error)));
  }
}

interface Seen {
  readonly id: string | null;
  readonly term: string | null;
  readonly text: string;
}

function key(info: LockInfo): Seen {
  const id = info.held ? (info.owner ?? '?') : null;
  const term = id === null ? null : (info.fencingToken?.toString() ?? null);
  return { id, term, text: id === null ? 'no leader' : `leader ${id} (term ${term ?? '?'})` };
}

function print(seen: Seen, json: boolean): void {
  const at = new Date().toISOString();
  process.stdout.write(json ? `${JSON.stringify({ at, id: seen.id, term: seen.term })}\n` : `${at}  ${seen.text}\n`);
}
