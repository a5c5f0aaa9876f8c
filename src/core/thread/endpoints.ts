/**
 * The connection options the keeper thread opens its own connections with, one per server:
 * those of the connection Tenure opened, or of a borrowed ioredis `Redis` (or iovalkey)
 * client — the same server, user, password, db, TLS, Sentinel set or replicated set. Where
 * a server cannot be reached that way (a Cluster, a node-redis or GLIDE client, TLS options
 * holding functions) a TypeError says so before any lease is kept.
 */
import { isCluster, type Instance } from '../instance.js';
import type { ThreadEndpoint } from './shared.js';

/** ioredis options that say where and how to connect (the rest are Tenure's own). */
const KEPT = [
  'host',
  'port',
  'path',
  'family',
  'username',
  'password',
  'db',
  'tls',
  'keyPrefix',
  'connectionName',
  'noDelay',
  'keepAlive',
  'sentinels',
  'name',
  'role',
  'sentinelUsername',
  'sentinelPassword',
  'sentinelTLS',
  'enableTLSForSentinelMode',
  'natMap',
  'replicaNodes',
] as const;

export function threadEndpoints(instances: readonly Instance[]): ThreadEndpoint[] {
  return instances.map((instance, i) => {
    const why = (what: string): TypeError =>
      new TypeError(`\`options.keeper: 'thread'\` cannot connect to endpoints[${i}] (${instance.label}) from its thread: ${what}`);
    if (instance.cluster || isCluster(instance.client)) {
      throw why("a Redis Cluster endpoint is not supported by the keeper thread; use keeper 'main' there");
    }
    const options = (instance.client as { options?: unknown }).options;
    if (typeof options !== 'object' || options === null || (!('host' in options) && !('path' in options) && !('sentinels' in options))) {
      throw why('it is not an ioredis client (node-redis, GLIDE): pass a URL or an ioredis client for this server');
    }
    const picked: Record<string, unknown> = {};
    for (const key of KEPT) {
      const value = (options as Record<string, unknown>)[key];
      if (value !== undefined && value !== null) picked[key] = value;
    }
    try {
      return { label: instance.label, options: structuredClone(picked) };
    } catch (error) {
      throw why(`its connection options cannot be sent to a thread (${(error as Error).message})`);
    }
  });
}
