/** A borrowed client of any kind Tenure knows, as the ioredis-shaped RedisLike it runs on. */
import type { RedisLike } from '../instance.js';
import { LABEL, SUBSCRIBER, isGlide, isNodeRedis, isRedisLike, unknownClient, type SubscriberLike, type Wrapper } from './adapt.js';
import { GlideWrapper } from './glide.js';
import { NodeRedisWrapper } from './node-redis.js';

export { isBorrowable, isClassInstance, unknownClient, type BorrowedClient, type SubscriberLike } from './adapt.js';

/** ioredis-shaped clients as they are; node-redis and GLIDE ones wrapped; anything else a TypeError naming `name`. */
export function borrow(value: unknown, name: string): RedisLike {
  if (isRedisLike(value)) return value;
  if (isNodeRedis(value)) return new NodeRedisWrapper(value);
  if (isGlide(value)) return new GlideWrapper(value);
  throw unknownClient(name, value);
}

/** The label a wrapper found for its client, if any. */
export function wrapperLabel(client: RedisLike): string | undefined {
  return (client as Partial<Wrapper>)[LABEL];
}

/** A wrapper's own subscriber connection; null for an ioredis-shaped client (it has `duplicate()`). */
export function wrapperSubscriber(client: RedisLike): SubscriberLike | null {
  const open = (client as Partial<Wrapper>)[SUBSCRIBER];
  return typeof open === 'function' ? open.call(client) : null;
}

/**
 * Whether release channels go by sharded pub/sub here: a Cluster whose client can subscribe
 * by shard — node-redis, GLIDE, ioredis >= 5.8 (`shardedSubscribers`). Another Cluster client
 * (iovalkey) has no sharded subscriber: there releases go by PUBLISH, which a Cluster
 * broadcasts to every node, and waiters listen by SUBSCRIBE.
 */
export function shardedPubSub(client: RedisLike, cluster: boolean): boolean {
  if (!cluster) return false;
  if (typeof (client as Partial<Wrapper>)[SUBSCRIBER] === 'function') return true;
  const options = (client as { options?: object }).options;
  return typeof options === 'object' && options !== null && 'shardedSubscribers' in options;
}

/** A borrowed ioredis Cluster's seed nodes, as a label. */
export function clusterLabel(client: RedisLike): string | undefined {
  const nodes = (client as { startupNodes?: unknown }).startupNodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return undefined;
  const node = (n: unknown): string => {
    if (typeof n === 'string' || typeof n === 'number') return String(n);
    const o = n as { host?: string; port?: number };
    return `${o.host ?? 'localhost'}:${o.port ?? 6379}`;
  };
  return `cluster://${nodes.map(node).join(',')}`;
}
