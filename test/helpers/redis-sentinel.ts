/**
 * Test rig: a replicated Redis — a master, one replica (`--replicaof`), and optionally one
 * Sentinel that monitors the master (quorum 1, fast failure detection) — all real
 * redis-server processes on free loopback ports in temporary directories.
 *
 * The master and replica come from the launcher (tracked, killed at exit). The Sentinel
 * needs a config file of its own as its first argument, so it is spawned here and tracked
 * here: killed on stop() and at process exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { redisServerBinary } from '../../src/cli/launcher/launcher.js';
import { freePort } from '../../src/cli/launcher/probe.js';
import { withClient } from './clients.js';
import { startRedis, type RedisProcess } from './redis-server.js';
import { waitFor } from './wait.js';

export const MASTER_NAME = 'tenure-master';

export interface Replicated {
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  /** The Sentinel's port, when started with `sentinel: true`. */
  readonly sentinelPort: number | undefined;
  /** Stops everything and removes the directories; idempotent. */
  stop(): Promise<void>;
}

const sentinels = new Set<ChildProcess>();
process.on('exit', () => {
  for (const s of sentinels) s.kill('SIGKILL');
});

/** `INFO replication` of a server, as key/value pairs. */
export async function replicationInfo(port: number): Promise<Record<string, string>> {
  const text = await withClient(port, (c) => c.info('replication'));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':', 2) as [string, string]),
  );
}

export async function startReplicated(opts: { sentinel?: boolean } = {}): Promise<Replicated> {
  // No 5 s wait before the replica's first full sync (redis 7's diskless-sync delay).
  const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  let sentinel: ChildProcess | undefined;
  let dir: string | undefined;
  let sentinelPort: number | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (sentinel) {
        sentinel.kill('SIGKILL');
        sentinels.delete(sentinel);
      }
      await Promise.allSettled([master.stop(), replica.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    })());
  try {
    await waitFor(async () => (await replicationInfo(replica.port)).master_link_status === 'up', {
      timeout: 10_000,
      message: 'replica never linked to its master',
    });
    if (opts.sentinel) {
      sentinelPort = await freePort();
      dir = await mkdtemp(path.join(tmpdir(), 'tenure-sentinel-'));
      const conf = path.join(dir, 'sentinel.conf');
      await writeFile(
        conf,
        [
          `port ${sentinelPort}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 200`,
          `sentinel failover-timeout ${MASTER_NAME} 2000`,
          '',
        ].join('\n'),
      );
      const child = spawn(redisServerBinary(), [conf, '--sentinel'], { cwd: dir, stdio: 'ignore' });
      sentinel = child;
      sentinels.add(child);
      child.once('exit', () => sentinels.delete(child));
      const port = sentinelPort;
      await waitFor(
        // Ready once it knows the replica too (a failover needs one to promote).
        async () => ((await withClient(port, (c) => c.call('SENTINEL', 'REPLICAS', MASTER_NAME))) as unknown[]).length > 0,
        { timeout: 15_000, interval: 50, message: 'Sentinel never saw the replica' },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { master, replica, sentinelPort, stop };
}

/** The master's port as the Sentinel reports it. */
export async function sentinelMasterPort(sentinelPort: number): Promise<number> {
  const [, port] = (await withClient(sentinelPort, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME))) as [string, string];
  return Number(port);
}
