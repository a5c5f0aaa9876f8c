/**
 * One instance's subscriber connection, for Wakeup (core/wakeup.ts), which counts who
 * listens on what; a Feed only speaks to Redis.
 *
 * A plain instance: a duplicate of its client, SUBSCRIBE, 'message' events; the release
 * script publishes with PUBLISH.
 *
 * A Redis Cluster: a duplicate Cluster with ioredis's `shardedSubscribers` (one subscriber
 * connection per master, opened when a channel of its slots is first subscribed). Release
 * channels go by sharded pub/sub: SSUBSCRIBE here, SPUBLISH in the release script, so a
 * message stays on the shard that owns the channel's slot (the lock key's slot) instead of
 * being broadcast over the whole cluster bus. One SSUBSCRIBE may name channels of one slot
 * only, so channels are grouped by slot. An election's leader announcements
 * (src/lua/announce.lua) go the same way. A server without SSUBSCRIBE (Redis < 7.0) falls back to SUBSCRIBE on
 * its first refusal, matching the release script's fallback from SPUBLISH to PUBLISH.
 */
import { debuglog } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { wrapperSubscriber, type SubscriberLike } from './adapters/borrow.js';
import type { Instance } from './endpoint.js';
import { hashSlot } from './slot.js';

const debug = debuglog('tenure');

type Connection = Redis | Cluster | SubscriberLike;
type OnMessage = (channel: string, payload: string) => void;

export class Feed {
  readonly #label: string;
  readonly #conn: Connection;
  /** Whether shardable channels go by SSUBSCRIBE: a Cluster, until it refuses the command. */
  #sharded: boolean;
  /** The channels subscribed with SSUBSCRIBE (to be left with SUNSUBSCRIBE). */
  readonly #shardChannels = new Set<string>();
  /**
   * A borrowed client's ioredis `keyPrefix`: the scripts' KEYS get it, so the channels they
   * publish on (a key + a suffix) carry it; SUBSCRIBE's channels are not prefixed by ioredis,
   * so they are prefixed here, and the prefix is taken off the messages' channels.
   */
  readonly #prefix: string;

  constructor(label: string, conn: Connection, sharded: boolean, onMessage: OnMessage) {
    this.#label = label;
    this.#conn = conn;
    this.#sharded = sharded;
    const options = (conn as { options?: { keyPrefix?: unknown; redisOptions?: { keyPrefix?: unknown } } }).options;
    const prefix = options?.keyPrefix ?? options?.redisOptions?.keyPrefix;
    this.#prefix = typeof prefix === 'string' ? prefix : '';
    const strip = (channel: string, payload: string): void =>
      onMessage(this.#prefix !== '' && channel.startsWith(this.#prefix) ? channel.slice(this.#prefix.length) : channel, payload);
    conn.on('error', (error: Error) => debug('%s subscriber: %s', label, error.message));
    conn.on('message', strip);
    if (sharded) conn.on('smessage', strip);
  }

  /**
   * Subscribes; resolves once the server confirmed. `shardable`: the channel is published
   * with SPUBLISH on a Cluster (a release channel), so it is subscribed with SSUBSCRIBE there.
   */
  subscribe(channels: readonly string[], shardable: boolean): Promise<unknown> {
    if (!shardable || !this.#sharded) return this.#conn.subscribe(...this.#plain(channels));
    for (const c of channels) this.#shardChannels.add(c);
    return Promise.all(bySlot(channels).map((group) => this.#conn.ssubscribe(...group))).catch((error: unknown) => {
      if (!(error instanceof Error) || !/unknown command/i.test(error.message)) throw error;
      // Redis < 7.0: its release script publishes with PUBLISH, so listen for that.
      debug('%s: no SSUBSCRIBE (%s); release notifications by SUBSCRIBE', this.#label, error.message);
      this.#sharded = false;
      for (const c of channels) this.#shardChannels.delete(c);
      return this.#conn.subscribe(...this.#plain(channels));
    });
  }

  /** Unsubscribes, each channel the way it was subscribed; fire and forget. */
  unsubscribe(channels: readonly string[]): void {
    const plain: string[] = [];
    const sharded: string[] = [];
    for (const c of channels) (this.#shardChannels.delete(c) ? sharded : plain).push(c);
    const ignore = (error: unknown): void => debug('%s unsubscribe: %s', this.#label, String(error));
    if (plain.length > 0) this.#conn.unsubscribe(...this.#plain(plain)).catch(ignore);
    for (const group of bySlot(sharded)) this.#conn.sunsubscribe(...group).catch(ignore);
  }

  close(): void {
    this.#conn.disconnect();
  }

  /** Channels as SUBSCRIBE must name them (ioredis prefixes script keys, not these). */
  #plain(channels: readonly string[]): string[] {
    return this.#prefix === '' ? [...channels] : channels.map((c) => this.#prefix + c);
  }
}

/**
 * The instance's subscriber connection (always Tenure's own, even for a borrowed client,
 * whose options it copies), or null when the client cannot make one.
 */
export function openFeed(instance: Instance, onMessage: OnMessage): Feed | null {
  // A node-redis or GLIDE client's wrapper makes its own (core/adapters).
  const own = wrapperSubscriber(instance.client);
  if (own !== null) return new Feed(instance.label, own, instance.publish === 'SPUBLISH', onMessage);
  const client = instance.client as Partial<Redis> & Partial<Cluster>;
  if (typeof client.duplicate !== 'function') return null;
  // Subscriptions wait for the connection (offline queue on); a subscriber connection has
  // nothing to batch, so it never auto-pipelines, whatever the client it copies does.
  const options = { enableOfflineQueue: true, lazyConnect: false, enableAutoPipelining: false };
  const conn = instance.cluster
    ? (instance.client as unknown as Cluster).duplicate([], { ...options, shardedSubscribers: true })
    : (instance.client as unknown as Redis).duplicate(options);
  return new Feed(instance.label, conn, instance.publish === 'SPUBLISH', onMessage);
}

/** Channels grouped by Cluster hash slot, in first-seen order. */
function bySlot(channels: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const c of channels) {
    const slot = hashSlot(c);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [c]);
    else group.push(c);
  }
  return [...groups.values()];
}
