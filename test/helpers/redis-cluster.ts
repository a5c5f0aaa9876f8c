/**
 * Test rig: a Redis Cluster of real `redis-server` processes (masters only, no replicas) on
 * free loopback ports, in temporary directories. Each node is started by the launcher
 * (startRedis), so it is tracked, killed at exit and its directory removed like any other.
 *
 * Set-up, the way redis-cli --cluster create does it: distinct config epochs, slots split
 * evenly with CLUSTER ADDSLOTSRANGE, CLUSTER MEET from the first node to the others (with the
 * cluster bus port: the bus is on its own free port, not port + 10000, which may exceed
 * 65535), then wait until every node reports cluster_state:ok and knows every node.
 */
import { Redis } from 'ioredis';
import { freePort } from '../../src/cli/launcher/probe.js';
import { startRedis, type RedisProcess } from './redis-server.js';
import { waitFor } from './wait.js';

export const SLOTS = 16_384;

export interface RedisCluster {
  /** The masters, in slot order: node i serves `ranges[i]`. */
  readonly nodes: readonly RedisProcess[];
  /** [first, last] slot served by each node. */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  /** Seed nodes for `{ cluster: seeds }`. */
  readonly seeds: Array<{ host: string; port: number }>;
  /** `redis://127.0.0.1:port` of each node. */
  readonly urls: string[];
  /** Stops every node and removes their directories; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `masters` cluster nodes and joins them into one cluster; resolves when it is ok.
 * `args` go to every redis-server (e.g. `--rename-command SPUBLISH ""` to play an old server).
 */
export async function startRedisCluster(masters = 3, opts: { timeout?: number; args?: readonly string[] } = {}): Promise<RedisCluster> {
  if (!Number.isInteger(masters) || masters < 1)
    throw new RangeError(`startRedisCluster: masters must be a positive integer, got ${masters}`);
  const nodes: RedisProcess[] = [];
  const busPorts: number[] = [];
  const admins: Redis[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= Promise.allSettled(nodes.map((n) => n.stop())).then(() => undefined));
  try {
    for (let i = 0; i < masters; i++) {
      const bus = await freePort();
      busPorts.push(bus);
      const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(bus)];
      nodes.push(await startRedis({ args: [...args, '--cluster-node-timeout', '5000', ...(opts.args ?? [])] }));
    }
    for (const node of nodes) {
      const admin = new Redis(node.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
      admin.on('error', () => undefined);
      admins.push(admin);
    }
    const version = String(await admins[0]!.info('server')).match(/redis_version:(\d+)/)?.[1];
    if (Number(version) < 7)
      throw new Error(`startRedisCluster needs redis-server >= 7.0 (CLUSTER ADDSLOTSRANGE, cluster-port), got ${version}`);
    const ranges = splitSlots(masters);
    await Promise.all(
      admins.map(async (admin, i) => {
        await admin.cluster('SET-CONFIG-EPOCH', i + 1);
        await admin.call('CLUSTER', 'ADDSLOTSRANGE', ranges[i]![0], ranges[i]![1]);
      }),
    );
    for (let i = 1; i < masters; i++) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', nodes[i]!.port, busPorts[i]!);
    await waitFor(
      async () => {
        const infos = await Promise.all(admins.map((a) => a.cluster('INFO')));
        return infos.every((info) => /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info));
      },
      { timeout: opts.timeout ?? 20_000, interval: 50, message: `the ${masters}-node cluster did not reach cluster_state:ok` },
    );
    return {
      nodes,
      ranges,
      seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      urls: nodes.map((n) => n.url),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    for (const admin of admins) admin.disconnect();
  }
}

/** 16384 slots in `n` contiguous ranges of (almost) equal size. */
export function splitSlots(n: number): Array<[number, number]> {
  return Array.from({ length: n }, (_, i) => [Math.floor((i * SLOTS) / n), Math.floor(((i + 1) * SLOTS) / n) - 1] as [number, number]);
}
