/**
 * node-redis (the `redis` package, v5 and v6): `createClient()` and `createCluster()`
 * clients, borrowed. A thin wrapper of Tenure's own forwards every command by the client's
 * `sendCommand` (scripts, INFO, WAIT) and turns its error replies into ReplyErrors; waiters
 * subscribe on a connection Tenure makes with the client's own `duplicate()` and closes when
 * the Redlock closes. The user's client is never patched, never closed.
 *
 * A Cluster: each script goes to the node of its first key's slot (`sendCommand(firstKey,
 * ...)`); release channels by sharded pub/sub (`sSubscribe`), like ioredis's Cluster.
 */
import {
  LABEL,
  SUBSCRIBER,
  Subscriber,
  hasClass,
  replyError,
  type NodeRedisLike,
  type SubscriberImpl,
  type SubscriberLike,
  type Wrapper,
} from './adapt.js';

type Listener = (message: string, channel: string) => void;

/** What Tenure uses of a node-redis client or cluster (v5 and v6 agree on all of it). */
interface NodeRedisClient {
  sendCommand(...args: unknown[]): Promise<unknown>;
  duplicate(): NodeRedisClient;
  connect(): Promise<unknown>;
  readonly isOpen: boolean;
  readonly isReady?: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  subscribe(channels: string[], listener: Listener): Promise<void>;
  unsubscribe(channels: string[], listener: Listener): Promise<void>;
  sSubscribe(channels: string[], listener: Listener): Promise<void>;
  sUnsubscribe(channels: string[], listener: Listener): Promise<void>;
  destroy?(): void;
  disconnect?(): Promise<void>;
  readonly options?: NodeRedisOptions;
  /** A Cluster's options. */
  readonly _options?: NodeRedisOptions;
}

interface NodeRedisOptions {
  url?: string;
  socket?: { host?: string; port?: number };
  database?: number;
  rootNodes?: Array<{ url?: string; socket?: { host?: string; port?: number } }>;
}

/** node-redis's error replies: ErrorReply and its subclasses (SimpleError, BlobError). */
const REPLY_CLASSES: ReadonlySet<string> = new Set(['ErrorReply']);
const isReply = (e: Error): boolean => hasClass(e, REPLY_CLASSES);

/** A node-redis Cluster (`createCluster`) has the slot map a plain client has not. */
function isNodeRedisCluster(client: object): boolean {
  return typeof (client as { getSlotRandomNode?: unknown }).getSlotRandomNode === 'function';
}

export class NodeRedisWrapper implements Wrapper {
  readonly isCluster: boolean;
  readonly [LABEL]: string | undefined;
  readonly #client: NodeRedisClient;

  constructor(client: NodeRedisLike) {
    this.#client = client as unknown as NodeRedisClient;
    this.isCluster = isNodeRedisCluster(client);
    this[LABEL] = label(this.#client._options ?? this.#client.options, this.isCluster);
  }

  /** ioredis's status names: Tenure tells a down borrowed client by them in errors. */
  get status(): string {
    const c = this.#client;
    if (c.isReady ?? c.isOpen) return 'ready';
    return c.isOpen ? 'connecting' : 'end';
  }

  evalsha(sha1: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown> {
    return this.#send(keysAndArgs[0], ['EVALSHA', sha1, String(numKeys), ...keysAndArgs.map(String)]);
  }

  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown> {
    return this.#send(keysAndArgs[0], ['EVAL', script, String(numKeys), ...keysAndArgs.map(String)]);
  }

  set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<unknown> {
    return this.#send(key, ['SET', key, value, px, String(ttl), nx]);
  }

  info(): Promise<unknown> {
    return this.#send(undefined, ['INFO']);
  }

  /** WAIT numreplicas timeout (replicaSync), on a plain client. */
  async wait(replicas: number, ms: number): Promise<number> {
    return Number(await this.#send(undefined, ['WAIT', String(replicas), String(ms)]));
  }

  [SUBSCRIBER](): SubscriberLike {
    return new Subscriber((sub) => subscriber(this.#client.duplicate(), sub));
  }

  #send(firstKey: string | number | undefined, args: string[]): Promise<unknown> {
    const c = this.#client;
    const sent = this.isCluster ? c.sendCommand(firstKey === undefined ? undefined : String(firstKey), false, args) : c.sendCommand(args);
    return sent.catch((error: unknown) => {
      throw replyError(error, isReply);
    });
  }
}

/** The duplicate's subscriptions: connected on first use, destroyed on close. */
function subscriber(dup: NodeRedisClient, sub: Subscriber): SubscriberImpl {
  dup.on('error', (error) => sub.emit('error', error));
  const plain: Listener = (message, channel) => sub.emit('message', channel, message);
  const sharded: Listener = (message, channel) => sub.emit('smessage', channel, message);
  let connected: Promise<unknown> | undefined;
  let closed = false;
  const ready = (): Promise<unknown> => {
    if (closed) return Promise.reject(new Error('the subscriber connection was closed'));
    connected ??= dup.connect();
    return connected;
  };
  return {
    subscribe: (channels, shard) => ready().then(() => (shard ? dup.sSubscribe(channels, sharded) : dup.subscribe(channels, plain))),
    unsubscribe: (channels, shard) => ready().then(() => (shard ? dup.sUnsubscribe(channels, sharded) : dup.unsubscribe(channels, plain))),
    close: () => {
      if (closed) return;
      closed = true;
      connected?.catch(() => undefined); // destroyed while connecting: its connect() rejects
      if (connected === undefined) return; // never connected: nothing to close
      try {
        if (typeof dup.destroy === 'function') dup.destroy();
        else void dup.disconnect?.().catch(() => undefined);
      } catch {
        // already closed
      }
    },
  };
}

function label(o: NodeRedisOptions | undefined, cluster: boolean): string | undefined {
  if (o === undefined) return undefined;
  const one = (n: { url?: string; socket?: { host?: string; port?: number } }, db?: number): string | undefined => {
    if (typeof n.url === 'string') {
      try {
        const u = new URL(n.url);
        return `${u.hostname}:${u.port || 6379}${u.pathname.length > 1 ? u.pathname : ''}`;
      } catch {
        return undefined;
      }
    }
    if (n.socket?.host === undefined && n.socket?.port === undefined) return undefined;
    return `${n.socket.host ?? 'localhost'}:${n.socket.port ?? 6379}${db ? `/${db}` : ''}`;
  };
  if (cluster) {
    const nodes = (o.rootNodes ?? []).map((n) => one(n));
    return nodes.length > 0 && nodes.every((n) => n !== undefined) ? `cluster://${nodes.join(',')}` : undefined;
  }
  const node = one(o, o.database);
  return node === undefined ? undefined : `redis://${node}`;
}
