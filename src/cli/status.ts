/**
 * `tenure status [pattern]`: every lock whose resource matches the glob, found with SCAN on
 * each server, then read with `redlock.inspect` — holder, remaining time, fencing token,
 * and whether the servers agree. A table for people, `--json` for scripts.
 */
import type { Command } from 'commander';
import { QuorumError, isLockResource, lockKey, resourceOf, type InstanceView, type LockInfo, type Redlock } from '../index.js';
import { act, durationOption, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { EXIT, human, say } from './common.js';
import { closeAll, connectAll, failures, openRedlock, requireReachable, scanKeys, type Client, type Server } from './redis.js';
import { watch } from './status-watch.js';
import { json, table } from './table.js';

export interface StatusOptions extends ConnectionOptions {
  json?: boolean;
  instances?: boolean;
  watch?: boolean;
  interval: number;
}

export function registerStatus(program: Command): void {
  withConnection(subcommand(program, 'status'))
    .description('show the locks whose resource matches a glob pattern: holder, time left, fencing token, per server')
    .argument('[pattern]', 'glob on resource names (* ? [abc]); quote it in the shell', '*')
    .option('--json', 'print JSON for scripts')
    .option('--instances', "show every server's view, not only where the servers disagree")
    .option(
      '-w, --watch',
      'a live view: redrawn every --interval on a terminal, what changed highlighted; elsewhere a new table on each change',
    )
    .addOption(durationOption('--interval <duration>', 'with --watch: how often to look', 1_000, '1s', 1))
    .addHelpText(
      'after',
      `
With --watch it runs until SIGINT or SIGTERM (then exits 0). Off a terminal (or with
--json) it prints the table (JSON: one array a line) each time a holder, token or the
servers' agreement changes, not when only the time left does.

Exit status: 0; 64 bad usage; 69 fewer than a quorum of servers answered (--watch: at start).
`,
    )
    .action(act('status', status));
}

async function status(pattern: string, o: StatusOptions): Promise<number> {
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix });
  const servers = await connectAll(o.redis, redlock.instances);
  try {
    requireReachable(servers, 1);
    if (o.watch) return await watch(() => collect(servers, redlock, pattern, o.prefix), pattern, o);
    const infos = await collect(servers, redlock, pattern, o.prefix);
    process.stdout.write(o.json ? json(infos.map(forJson)) : render(infos, pattern, o));
    if (servers.some((s) => s.client === null)) {
      requireReachable(servers); // below a quorum: exit 69, naming each failed server
      say('status', `some servers did not answer: ${failures(servers)}`);
    }
    return EXIT.ok;
  } finally {
    closeAll(servers);
    await redlock.close();
  }
}

/** Every lock matching `pattern`, found on any server, read with `redlock.inspect`. */
async function collect(servers: readonly Server[], redlock: Redlock, pattern: string, prefix: string): Promise<Seen[]> {
  const found = await Promise.all(servers.map((s) => (s.client === null ? Promise.resolve([]) : scan(s.client, prefix, pattern))));
  return inspectAll(redlock, [...new Set(found.flat())].sort());
}

/** Resources of the lock keys matching `pattern` on one server (SCAN, never KEYS). */
async function scan(client: Client, prefix: string, pattern: string): Promise<string[]> {
  const out: string[] = [];
  for await (const keys of scanKeys(client, lockKey(escapeGlob(prefix), pattern))) {
    for (const key of keys) {
      const resource = resourceOf(prefix, key);
      if (resource !== undefined && isLockResource(resource)) out.push(resource); // not sequences' or counters' keys
    }
  }
  return out;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

async function inspectAll(redlock: Redlock, resources: readonly string[]): Promise<Seen[]> {
  const out: Seen[] = [];
  for (let i = 0; i < resources.length; i += 16) {
    out.push(...(await Promise.all(resources.slice(i, i + 16).map((r) => look(redlock, r)))));
  }
  return out;
}

/** A lock as `inspect` saw it, or `unknown` where too few servers answered to tell. */
export type Seen = LockInfo & { readonly unknown?: true };

async function look(redlock: Redlock, resource: string): Promise<Seen> {
  try {
    return await redlock.inspect(resource);
  } catch (error) {
    if (!(error instanceof QuorumError)) throw error;
    // Each server's answer, as far as it goes (the holder's label is not in the outcomes).
    const instances = error.outcomes.map((o): InstanceView => {
      if (o.status === 'held') return { instance: o.instance, status: 'held', remaining: o.remaining };
      if (o.status === 'not-held') return { instance: o.instance, status: 'free' };
      return { instance: o.instance, status: 'error', error: o.error };
    });
    return { resource, held: false, owner: null, value: null, remaining: 0, fencingToken: null, agree: false, instances, unknown: true };
  }
}

export function forJson(info: LockInfo): object {
  const { value: _value, instances, ...rest } = info;
  return { ...rest, instances: instances.map(({ value: _v, ...view }) => view) };
}

/** One row per lock: resource, owner, time left, token, the servers' agreement. */
export function rowsOf(infos: readonly Seen[]): string[][] {
  return infos.map((i) => [i.resource, i.owner ?? '-', i.held ? human(i.remaining) : '-', i.fencingToken?.toString() ?? '-', agreement(i)]);
}

export const HEADER = ['RESOURCE', 'OWNER', 'REMAINING', 'TOKEN', 'SERVERS'];

/** The table, then each server's view where it matters. `mark`: cells to highlight. */
export function render(
  infos: readonly LockInfo[],
  pattern: string,
  o: StatusOptions,
  mark?: (row: number, column: number) => boolean,
): string {
  if (infos.length === 0) return `no locks match ${JSON.stringify(pattern)} (prefix ${JSON.stringify(o.prefix)})\n`;
  let text = table(HEADER, rowsOf(infos), mark);
  for (const info of infos) {
    if (!detailed(info, o)) continue;
    text += `\n${info.resource}:\n` + info.instances.map((v) => `  ${v.instance}  ${view(v)}\n`).join('');
  }
  return text;
}

function agreement(info: Seen): string {
  const n = info.instances.length;
  const count = (status: InstanceView['status']): number => info.instances.filter((v) => v.status === status).length;
  const [held, errors] = [count('held'), count('error')];
  const unknown = info.unknown === true;
  const where =
    held === 0 ? (unknown ? 'unknown' : 'free') : `held on ${held}/${n}${info.held ? '' : unknown ? ' (unknown)' : ' (no quorum)'}`;
  return `${where}, ${info.agree ? 'agree' : 'DISAGREE'}${errors > 0 ? `, ${errors} not answering` : ''}`;
}

/** Whether to show each server's view: asked for, or anything but a clean agreement. */
function detailed(info: LockInfo, o: StatusOptions): boolean {
  const errors = info.instances.some((v) => v.status === 'error');
  const partial = !info.held && info.instances.some((v) => v.status === 'held');
  return o.instances === true || !info.agree || errors || partial;
}

function view(v: InstanceView): string {
  const token = v.fencingToken === undefined ? '' : `, token ${v.fencingToken}`;
  if (v.status === 'error') return `error: ${(v.error?.message ?? 'unknown').replace(`${v.instance}: `, '')}`;
  if (v.status === 'free') return `free${token}`;
  return `held by ${v.owner ?? '?'} (${human(v.remaining ?? 0)} left)${token}`;
}
