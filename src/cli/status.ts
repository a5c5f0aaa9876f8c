/**
 * `tenure status [pattern]`: every lock whose resource matches the glob, found with SCAN on
 * each server, then read with `redlock.inspect` — holder, remaining time, fencing token,
 * and whether the servers agree. A table for people, `--json` for scripts.
 */
import type { Command } from 'commander';
import { isLockResource, lockKey, resourceOf, type InstanceView, type LockInfo, type Redlock } from '../index.js';
import { act, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { EXIT, human, say } from './common.js';
import { closeAll, connectAll, failures, openRedlock, requireReachable, scanKeys, type Client } from './redis.js';
import { json, table } from './table.js';

interface StatusOptions extends ConnectionOptions {
  json?: boolean;
  instances?: boolean;
}

export function registerStatus(program: Command): void {
  withConnection(subcommand(program, 'status'))
    .description('show the locks whose resource matches a glob pattern: holder, time left, fencing token, per server')
    .argument('[pattern]', 'glob on resource names (* ? [abc]); quote it in the shell', '*')
    .option('--json', 'print JSON for scripts')
    .option('--instances', "show every server's view, not only where the servers disagree")
    .addHelpText('after', '\nExit status: 0; 64 bad usage; 69 fewer than a quorum of servers answered.\n')
    .action(act('status', status));
}

async function status(pattern: string, o: StatusOptions): Promise<number> {
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix });
  const servers = await connectAll(o.redis, redlock.instances);
  try {
    requireReachable(servers, 1);
    const found = await Promise.all(servers.map((s) => (s.client === null ? Promise.resolve([]) : scan(s.client, o.prefix, pattern))));
    const resources = [...new Set(found.flat())].sort();
    const infos = await inspectAll(redlock, resources);
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

async function inspectAll(redlock: Redlock, resources: readonly string[]): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for (let i = 0; i < resources.length; i += 16) {
    out.push(...(await Promise.all(resources.slice(i, i + 16).map((r) => redlock.inspect(r)))));
  }
  return out;
}

function forJson(info: LockInfo): object {
  const { value: _value, instances, ...rest } = info;
  return { ...rest, instances: instances.map(({ value: _v, ...view }) => view) };
}

function render(infos: readonly LockInfo[], pattern: string, o: StatusOptions): string {
  if (infos.length === 0) return `no locks match ${JSON.stringify(pattern)} (prefix ${JSON.stringify(o.prefix)})\n`;
  const rows = infos.map((i) => [
    i.resource,
    i.owner ?? '-',
    i.held ? human(i.remaining) : '-',
    i.fencingToken?.toString() ?? '-',
    agreement(i),
  ]);
  let text = table(['RESOURCE', 'OWNER', 'REMAINING', 'TOKEN', 'SERVERS'], rows);
  for (const info of infos) {
    if (!detailed(info, o)) continue;
    text += `\n${info.resource}:\n` + info.instances.map((v) => `  ${v.instance}  ${view(v)}\n`).join('');
  }
  return text;
}

function agreement(info: LockInfo): string {
  const n = info.instances.length;
  const count = (status: InstanceView['status']): number => info.instances.filter((v) => v.status === status).length;
  const [held, errors] = [count('held'), count('error')];
  const where = held === 0 ? 'free' : `held on ${held}/${n}${info.held ? '' : ' (no quorum)'}`;
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
