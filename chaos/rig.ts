/**
 * One run's servers: N fresh redis-servers on loopback (server 1 with the scenario's
 * permanent fault — a fast clock or maxmemory — if it has one), TCP proxies in front of them
 * when the fault is a black hole, and plain connections for the faults to use. Registered
 * with bench/rig.ts's cleanup, so Ctrl-C and crashes stop them too.
 */
import { Redis } from 'ioredis';
import { onCleanup } from '../bench/rig.js';
import { startRedis, type RedisProcess } from '../test/helpers/redis-server.js';
import { startProxy, type TcpProxy } from '../test/helpers/tcp-proxy.js';
import type { Scenario } from './scenarios.js';
import { fastClockEnv } from './shim.js';

/** Server 1's memory limit in the eviction scenarios, and the cache values written to it. */
const MAXMEMORY = 8 * 1024 * 1024;
const CACHE_VALUE = 'x'.repeat(10 * 1024);

export interface ChaosRig {
  readonly servers: RedisProcess[];
  /** In front of each server, in the black-hole scenarios; empty otherwise. */
  readonly proxies: TcpProxy[];
  /** What the libraries connect to. */
  readonly urls: string[];
  /** The servers themselves (the sampler's view). */
  readonly serverUrls: string[];
  /** One plain connection per server, for FLUSHALL and cache writes. */
  readonly admin: Redis[];
  stop(): Promise<void>;
}

function serverOptions(s: Scenario, i: number): Parameters<typeof startRedis>[0] {
  if (i !== 0) return {};
  if (s.fault.kind === 'fast-clock') return { env: fastClockEnv(s.fault.rate) };
  if (s.fault.kind === 'eviction') return { args: ['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', s.fault.policy] };
  return {};
}

export async function startRig(s: Scenario): Promise<ChaosRig> {
  const servers: RedisProcess[] = [];
  const proxies: TcpProxy[] = [];
  const admin: Redis[] = [];
  const stop = onCleanup(async () => {
    for (const c of admin) c.disconnect();
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(servers.map((srv) => srv.stop()));
  });
  try {
    const started = await Promise.all(Array.from({ length: s.n }, (_, i) => startRedis(serverOptions(s, i))));
    servers.push(...started);
    if (s.fault.kind === 'blackhole') for (const srv of servers) proxies.push(await startProxy({ port: srv.port }));
    for (const srv of servers) {
      const c = new Redis(srv.url, { maxRetriesPerRequest: 1, retryStrategy: () => 20 });
      c.on('error', () => undefined);
      admin.push(c);
    }
    if (s.fault.kind === 'eviction') await fillCache(admin[0]!);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    servers,
    proxies,
    urls: proxies.length > 0 ? proxies.map((p) => p.url) : servers.map((srv) => srv.url),
    serverUrls: servers.map((srv) => srv.url),
    admin,
    stop,
  };
}

async function usedMemory(c: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await c.info('memory'))?.[1] ?? 0);
}

/** Cache keys (10 KB, an hour's expiry) until the server is near its maxmemory: from then on each burst evicts. */
async function fillCache(c: Redis): Promise<void> {
  for (let batch = 0; (await usedMemory(c)) < 0.85 * MAXMEMORY && batch < 100; batch++) {
    const p = c.pipeline();
    for (let k = 0; k < 50; k++) p.set(`cache:fill:${batch}:${k}`, CACHE_VALUE, 'EX', 3600);
    await p.exec();
  }
}

/** A burst of cache writes about a third of maxmemory: evicts that much. Resolves with how many keys were evicted. */
export async function cacheBurst(c: Redis, tag: number): Promise<number> {
  const evicted = async (): Promise<number> => Number(/evicted_keys:(\d+)/.exec(await c.info('stats'))?.[1] ?? 0);
  const before = await evicted();
  const p = c.pipeline();
  const count = Math.ceil(MAXMEMORY / 3 / CACHE_VALUE.length);
  for (let k = 0; k < count; k++) p.set(`cache:burst:${tag}:${k}`, CACHE_VALUE, 'EX', 3600);
  await p.exec();
  return (await evicted()) - before;
}
