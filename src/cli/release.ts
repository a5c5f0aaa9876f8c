/**
 * `tenure release <resource> --force`: deletes a lock on every server, whoever holds it, and
 * says what it removed where. Waiters are woken as by a normal release. The fencing-token
 * counter stays: tokens keep growing, so a holder that still runs cannot write over the next.
 */
import type { Command } from 'commander';
import { isLockResource, lockKey, releaseChannel, type LockInfo } from '../index.js';
import { act, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { CliError, EXIT, debug, human, oneLine, say } from './common.js';
import { closeAll, connectAll, openRedlock, requireReachable, type Client, type Server } from './redis.js';

interface ReleaseOptions extends ConnectionOptions {
  force?: boolean;
}

export function registerRelease(program: Command): void {
  withConnection(subcommand(program, 'release'))
    .description('delete a lock on every server, whoever holds it (needs --force)')
    .argument('<resource>', 'the lock to delete')
    .option('--force', 'really delete it: its holder may still be running')
    .addHelpText(
      'after',
      '\nExit status: 0 done (also when there was no lock); 64 bad usage (also: no --force); 69 a server did not answer.\n',
    )
    .action(act('release', release));
}

async function release(resource: string, o: ReleaseOptions): Promise<number> {
  if (!isLockResource(resource)) {
    throw new CliError(`${JSON.stringify(resource)} names a sequence or a window counter, not a lock: refusing to delete it`, EXIT.usage);
  }
  if (!o.force) {
    const why = 'its holder may still be running, and the next holder would run beside it';
    throw new CliError(`refusing to delete the lock on ${JSON.stringify(resource)} without --force: ${why}`, EXIT.usage);
  }
  const redlock = openRedlock(o.redis, { keyPrefix: o.prefix });
  const servers = await connectAll(o.redis, redlock.instances);
  try {
    requireReachable(servers, 1);
    const before = await redlock.inspect(resource).catch(() => null);
    const lines = await Promise.all(servers.map((s) => removeOn(s, o.prefix, resource, before)));
    for (const line of lines) process.stdout.write(`${line.text}\n`);
    const removed = lines.filter((l) => l.removed).length;
    const failed = lines.filter((l) => l.failed).length;
    const where = `${removed} of ${servers.length} server${servers.length === 1 ? '' : 's'}`;
    process.stdout.write(
      removed === 0 ? `no lock on ${JSON.stringify(resource)} to remove\n` : `removed ${JSON.stringify(resource)} from ${where}\n`,
    );
    if (failed > 0)
      say('release', `${failed} server${failed === 1 ? '' : 's'} did not answer: the lock may remain there until its ttl runs out`);
    return failed > 0 ? EXIT.unavailable : EXIT.ok;
  } finally {
    closeAll(servers);
    await redlock.close();
  }
}

interface Line {
  text: string;
  removed: boolean;
  failed: boolean;
}

async function removeOn(server: Server, prefix: string, resource: string, before: LockInfo | null): Promise<Line> {
  if (server.client === null) return { text: `${server.label}: error: ${server.error ?? 'unreachable'}`, removed: false, failed: true };
  try {
    const value = await getdel(server.client, lockKey(prefix, resource));
    if (value === null) return { text: `${server.label}: no lock there`, removed: false, failed: false };
    // Wake the waiters, as the release script does: the message tells the N copies apart.
    // (SPUBLISH on a Cluster, as the library's scripts do: the message stays on the key's shard.)
    const channel = releaseChannel(prefix, resource);
    if (server.target.kind === 'cluster') await server.client.spublish(channel, value.slice(0, 8));
    else await server.client.publish(channel, value.slice(0, 8));
    const seen = before?.instances.find((v) => v.instance === server.label && v.value === value);
    const whose = seen?.owner ? `the lock of ${seen.owner}` : 'the lock';
    const left = seen?.remaining === undefined ? '' : ` (${human(seen.remaining)} left)`;
    return { text: `${server.label}: removed ${whose}${left}`, removed: true, failed: false };
  } catch (error) {
    debug('release on %s: %s', server.label, String(error));
    return {
      text: `${server.label}: error: ${oneLine(error instanceof Error ? error.message : String(error))}`,
      removed: false,
      failed: true,
    };
  }
}

/** GETDEL (Redis ≥ 6.2): the value it deleted, or null. */
function getdel(client: Client, key: string): Promise<string | null> {
  return client.getdel(key);
}
