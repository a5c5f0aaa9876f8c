/**
 * `tenure release <resource> --force`: deletes a lock on every server, whoever holds it, and
 * says what it removed where. Waiters are woken as by a normal release. The fencing-token
 * counter stays: tokens keep growing, so a holder that still runs cannot write over the next.
 */
import type { Command } from 'commander';
import { isLockResource, type ForcedOnServer, type LockInfo } from '../index.js';
import { act, subcommand, withConnection, type ConnectionOptions } from './command.js';
import { CliError, EXIT, debug, human, oneLine, say } from './common.js';
import { closeAll, connectAll, openRedlock, requireReachable, type Server } from './redis.js';

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
    // The library's force release (one script per server: delete, then wake the waiters).
    const forced = await redlock.forceRelease(resource);
    const lines = servers.map((s, i) => lineOf(s, forced[i]!, before));
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

function lineOf(server: Server, forced: ForcedOnServer, before: LockInfo | null): Line {
  if (forced.status === 'error' || forced.status === 'pending') {
    const why = forced.error ? oneLine(forced.error.message) : (server.error ?? 'no answer in time');
    if (forced.error) debug('release on %s: %s', server.label, String(forced.error));
    return { text: `${server.label}: error: ${why}`, removed: false, failed: true };
  }
  if (forced.status === 'not-held') return { text: `${server.label}: no lock there`, removed: false, failed: false };
  const readers = forced.readers ? `${forced.readers} reader${forced.readers === 1 ? '' : 's'}` : '';
  if (forced.value === undefined) return { text: `${server.label}: removed ${readers}`, removed: true, failed: false };
  const seen = before?.instances.find((v) => v.instance === server.label && v.value === forced.value);
  const whose = seen?.owner ? `the lock of ${seen.owner}` : 'the lock';
  const left = seen?.remaining === undefined ? '' : ` (${human(seen.remaining)} left)`;
  return { text: `${server.label}: removed ${whose}${left}${readers ? ` and ${readers}` : ''}`, removed: true, failed: false };
}
