/**
 * Borrowed clients of every popular kind, seen through one shape: ioredis's. Tenure runs on
 * an ioredis-shaped `RedisLike` (scripts by EVAL/EVALSHA, `status`, `info`, `wait`,
 * `isCluster`); ioredis 5 and 6 `Redis`/`Cluster` and iovalkey are that already. A node-redis
 * client (core/adapters/node-redis.ts) or a Valkey GLIDE client (core/adapters/glide.ts) is
 * wrapped in an object of Tenure's own that forwards to it: the user's client is never
 * patched, never given a method, never closed.
 *
 * Waiters need a subscriber connection. For ioredis it is the client's `duplicate()`
 * (core/feed.ts); a wrapper makes its own with `[SUBSCRIBER]()` — node-redis by the client's
 * own `duplicate()`, GLIDE by a new client with the same configuration — and Tenure closes
 * only that connection, never the user's.
 */
import { EventEmitter } from 'node:events';
import { show } from '../../args.js';
import type { RedisLike } from '../instance.js';

/** Any function: a structural stand-in for a client's method of any signature. */
type AnyFn = (...args: never[]) => unknown;

/** A node-redis client (`createClient` or `createCluster` of the `redis` package, v5 or v6), connected by you. */
export interface NodeRedisLike {
  sendCommand: AnyFn;
  duplicate: AnyFn;
  readonly isOpen: boolean;
}

/** A Valkey GLIDE client (`GlideClient` or `GlideClusterClient` of `@valkey/valkey-glide`). */
export interface GlideLike {
  customCommand: AnyFn;
  close: AnyFn;
}

/** Every client Tenure borrows. */
export type BorrowedClient = RedisLike | NodeRedisLike | GlideLike;

/** Opens a subscriber connection of the wrapper's own (closed by Tenure when done). */
export const SUBSCRIBER: unique symbol = Symbol('tenure.subscriber');
/** The label a wrapper gives its client (host:port, or the cluster's seeds). */
export const LABEL: unique symbol = Symbol('tenure.label');

/**
 * The part of an ioredis connection core/feed.ts uses for subscriptions; a wrapper's
 * subscriber speaks it: events `message` / `smessage` (channel, payload) and `error`.
 */
export interface SubscriberLike extends EventEmitter {
  subscribe(...channels: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
  disconnect(): void;
}

/** A wrapper: a RedisLike of Tenure's own around a client of another library. */
export interface Wrapper extends RedisLike {
  readonly isCluster: boolean;
  readonly [LABEL]: string | undefined;
  [SUBSCRIBER](): SubscriberLike;
}

/**
 * A Redis error reply (WRONGTYPE, NOSCRIPT, OOM...) from another library, named as ioredis
 * names it, so that core/ballot.ts tells "the server answered no" from "it did not answer".
 */
export class ReplyError extends Error {
  override readonly name = 'ReplyError';
}

/** An ioredis-shaped client (ioredis `Redis` / `Cluster`, iovalkey). */
export function isRedisLike(value: unknown): value is RedisLike {
  const c = value as Partial<RedisLike> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.evalsha === 'function' && typeof c.eval === 'function' && typeof c.status === 'string'
  );
}

export function isNodeRedis(value: unknown): value is NodeRedisLike {
  const c = value as Partial<NodeRedisLike> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.sendCommand === 'function' &&
    typeof c.duplicate === 'function' &&
    typeof c.isOpen === 'boolean'
  );
}

export function isGlide(value: unknown): value is GlideLike {
  const c = value as Partial<GlideLike> & { invokeScript?: unknown };
  return typeof c === 'object' && c !== null && typeof c.customCommand === 'function' && typeof c.invokeScript === 'function';
}

/** Whether `value` is a client of a kind Tenure knows. */
export function isBorrowable(value: unknown): value is BorrowedClient {
  return isRedisLike(value) || isNodeRedis(value) || isGlide(value);
}

export const ACCEPTED =
  'an ioredis 5/6 Redis or Cluster, an iovalkey Redis or Cluster, a node-redis createClient() or createCluster() client (redis 5/6), or a Valkey GLIDE GlideClient or GlideClusterClient';

/** What looks like a client but is none Tenure knows: a TypeError naming it and what is accepted. */
export function unknownClient(name: string, value: unknown): TypeError {
  const ctor = (value as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  const what = typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? `an instance of ${ctor}` : show(value);
  return new TypeError(`Expected \`${name}\` to be ${ACCEPTED}; got ${what}, which Tenure does not recognise`);
}

/** A class instance (not a plain object literal): passed as a client, never an Endpoint. */
export function isClassInstance(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto !== null && proto !== Object.prototype;
}

/** An error of another library, turned into a ReplyError when the server sent it. */
export function replyError(error: unknown, isReply: (e: Error) => boolean): unknown {
  if (!(error instanceof Error) || !isReply(error)) return error;
  const e = new ReplyError(error.message, { cause: error });
  return e;
}

/** Whether a class of this name is somewhere on the error's prototype chain. */
export function hasClass(error: Error, names: ReadonlySet<string>): boolean {
  for (let p = Object.getPrototypeOf(error) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const ctor = (p as { constructor?: { name?: string } }).constructor;
    if (ctor?.name !== undefined && names.has(ctor.name)) return true;
  }
  return false;
}

/**
 * A subscriber of Tenure's own, for a library whose subscriptions take a listener per call:
 * `on('message')` / `on('smessage')` as ioredis has them. `impl` does the library's part.
 */
export class Subscriber extends EventEmitter implements SubscriberLike {
  readonly #impl: SubscriberImpl;

  constructor(impl: (sub: Subscriber) => SubscriberImpl) {
    super();
    this.#impl = impl(this);
  }

  subscribe(...channels: string[]): Promise<unknown> {
    return this.#impl.subscribe(channels, false);
  }

  ssubscribe(...channels: string[]): Promise<unknown> {
    return this.#impl.subscribe(channels, true);
  }

  unsubscribe(...channels: string[]): Promise<unknown> {
    return this.#impl.unsubscribe(channels, false);
  }

  sunsubscribe(...channels: string[]): Promise<unknown> {
    return this.#impl.unsubscribe(channels, true);
  }

  disconnect(): void {
    this.#impl.close();
  }
}

export interface SubscriberImpl {
  subscribe(channels: string[], sharded: boolean): Promise<unknown>;
  unsubscribe(channels: string[], sharded: boolean): Promise<unknown>;
  close(): void;
}
