/**
 * Valkey GLIDE (`@valkey/valkey-glide` 2.x): `GlideClient` and `GlideClusterClient`,
 * borrowed. A thin wrapper of Tenure's own sends every command by `customCommand` (GLIDE
 * routes EVAL/EVALSHA by their first key on a Cluster) and turns the server's error replies
 * into ReplyErrors; GLIDE rewords them, so they are worded back as Redis words them (the
 * script runner, core/scripts.ts, falls back to EVAL on NOSCRIPT).
 *
 * Subscriptions: GLIDE has no `duplicate()`, and a subscription on the user's own client would
 * change what it receives. So waiters get a GLIDE client of Tenure's own, made by the same
 * class from the client's configuration (the one it was created with), with a message
 * callback; it subscribes dynamically (GLIDE >= 2.0), and Tenure closes it when the Redlock
 * closes. The user's client is never patched, never closed.
 */
import {
  LABEL,
  ReplyError,
  SUBSCRIBER,
  Subscriber,
  type GlideLike,
  type SubscriberImpl,
  type SubscriberLike,
  type Wrapper,
} from './adapt.js';

interface PubSubMsg {
  readonly message: unknown;
  readonly channel: unknown;
}

interface GlideConfig {
  addresses?: Array<{ host?: string; port?: number }>;
  databaseId?: number;
  pubsubSubscriptions?: unknown;
}

interface GlideClient {
  customCommand(args: string[]): Promise<unknown>;
  close(message?: string): void;
  subscribe(channels: Iterable<string>, timeoutMs: number): Promise<void>;
  unsubscribeLazy(channels: Iterable<string>): Promise<void>;
  ssubscribe?(channels: Iterable<string>, timeoutMs: number): Promise<void>;
  sunsubscribeLazy?(channels: Iterable<string>): Promise<void>;
  readonly isClosed?: boolean;
  readonly config?: GlideConfig;
}

interface GlideClass {
  createClient(config: GlideConfig): Promise<GlideClient>;
}

const SERVER = /^An error was signalled by the server:[\s-]*/;

/**
 * A GLIDE RequestError — itself, not a subclass (TimeoutError, ConnectionError...) — is the
 * server's answer: a ReplyError, reworded as Redis words it ("WRONGTYPE: ..." and
 * "...: - NoScriptError: ..." become "WRONGTYPE ..." and "NOSCRIPT ...").
 */
function toReplyError(error: unknown): unknown {
  if (!(error instanceof Error) || error.constructor.name !== 'RequestError') return error;
  let text = error.message.replace(SERVER, '');
  if (/^NoScriptError\b/.test(text)) text = `NOSCRIPT ${text}`;
  text = text.replace(/^([A-Z]+):\s/, '$1 ');
  return new ReplyError(text, { cause: error });
}

export class GlideWrapper implements Wrapper {
  readonly isCluster: boolean;
  readonly [LABEL]: string | undefined;
  readonly #client: GlideClient;

  constructor(client: GlideLike) {
    this.#client = client as unknown as GlideClient;
    this.isCluster = typeof this.#client.ssubscribe === 'function';
    const addresses = this.#client.config?.addresses ?? [];
    const nodes = addresses.map((a) => `${a.host ?? 'localhost'}:${a.port ?? 6379}`);
    const db = this.#client.config?.databaseId;
    this[LABEL] =
      nodes.length === 0 ? undefined : this.isCluster ? `cluster://${nodes.join(',')}` : `redis://${nodes[0]}${db ? `/${db}` : ''}`;
  }

  get status(): string {
    return this.#client.isClosed === true ? 'end' : 'ready';
  }

  evalsha(sha1: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown> {
    return this.#send(['EVALSHA', sha1, String(numKeys), ...keysAndArgs.map(String)]);
  }

  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown> {
    return this.#send(['EVAL', script, String(numKeys), ...keysAndArgs.map(String)]);
  }

  set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<unknown> {
    return this.#send(['SET', key, value, px, String(ttl), nx]);
  }

  info(): Promise<unknown> {
    return this.#send(['INFO']);
  }

  async wait(replicas: number, ms: number): Promise<number> {
    return Number(await this.#send(['WAIT', String(replicas), String(ms)]));
  }

  [SUBSCRIBER](): SubscriberLike {
    const Class = (this.#client as unknown as { constructor: GlideClass }).constructor;
    return new Subscriber((sub) => subscriber(Class, this.#client.config ?? {}, sub));
  }

  #send(args: string[]): Promise<unknown> {
    return this.#client.customCommand(args).catch((error: unknown) => {
      throw toReplyError(error);
    });
  }
}

/** A GLIDE client of Tenure's own, made on first use, with a callback for every message. */
function subscriber(Class: GlideClass, config: GlideConfig, sub: Subscriber): SubscriberImpl {
  const callback = (msg: PubSubMsg): void => {
    sub.emit('message', String(msg.channel), String(msg.message));
  };
  let made: Promise<GlideClient> | undefined;
  let closed = false;
  const own = (): Promise<GlideClient> => {
    if (closed) return Promise.reject(new Error('the subscriber connection was closed'));
    if (made === undefined) {
      made = Class.createClient({ ...config, pubsubSubscriptions: { channelsAndPatterns: {}, callback } });
      made.catch((error: unknown) => sub.emit('error', error));
    }
    return made;
  };
  const TIMEOUT = 5_000;
  // GLIDE writes some requests a little later: close only once those in flight are done.
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): Promise<unknown> => {
    pending.add(p);
    const done = (): void => void pending.delete(p);
    p.then(done, done);
    return p;
  };
  return {
    subscribe: (channels, sharded) =>
      track(own().then((c) => (sharded && c.ssubscribe ? c.ssubscribe(channels, TIMEOUT) : c.subscribe(channels, TIMEOUT)))),
    unsubscribe: (channels, sharded) =>
      track(own().then((c) => (sharded && c.sunsubscribeLazy ? c.sunsubscribeLazy(channels) : c.unsubscribeLazy(channels)))),
    close: () => {
      if (closed) return;
      closed = true;
      void Promise.allSettled([made, ...pending]).then(([client]) => {
        if (client?.status === 'fulfilled') client.value?.close();
      });
    },
  };
}
