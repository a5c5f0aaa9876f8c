/**
 * Each library as a new user would run it: its defaults, the scenario's ttl, and its own
 * auto-extension — Tenure's `using`, node-redlock 5's `using`, redis-semaphore's refresh
 * timer — with its way of saying the lock was lost turned into one AbortSignal.
 * Connections come from bench/connections.ts (default ioredis options), one set per library.
 */
import type { Redis } from 'ioredis';
import { Mutex, RedlockMutex } from 'redis-semaphore';
import Redlock5, { type Lock as Redlock5Lock } from 'redlock5';
import type { TenureModule } from '../bench/adapters.js';
import { connect } from '../bench/connections.js';
import { now, type LibName, type TenureSettings } from './protocol.js';

/** What a critical section gets from the library that let it in. */
export interface Held {
  /** The value the library stored under the lock key. */
  readonly value: string;
  readonly token: bigint | undefined;
  /** Aborted when the library reports the lock lost. */
  readonly lost: AbortSignal;
  /** The library's own synchronous answer to "do I still hold it?", asked right before the write. */
  holds(): boolean;
  /** When the library's own validity of the lock ends, on the common clock (protocol.ts now()), if it keeps one. */
  validUntil(): number | undefined;
}

/** A Date.now()-based instant on the common clock. */
function fromWall(ms: number): number {
  return now() + (ms - Date.now());
}

export interface LockLib {
  /** Takes the lock (waiting as the library does by default), runs `body`, releases. Rejects when the library gives up. */
  hold(resource: string, ttl: number, stop: AbortSignal, body: (held: Held) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** The lock key each library writes for `resource` (the sampler reads it). */
export function lockKey(lib: LibName, resource: string): string {
  switch (lib) {
    case 'tenure':
      return `tenure:{${resource}}`; // default keyPrefix
    case 'redlock5':
      return resource;
    case 'redis-semaphore':
      return `mutex:${resource}`;
  }
}

export function makeLib(lib: LibName, urls: readonly string[], tenure: TenureModule, settings: TenureSettings): LockLib {
  switch (lib) {
    case 'tenure':
      return new TenureLib(tenure, urls, settings);
    case 'redlock5':
      return new Redlock5Lib(urls);
    case 'redis-semaphore':
      return new SemaphoreLib(urls);
  }
}

class TenureLib implements LockLib {
  readonly #redlock: InstanceType<TenureModule['Redlock']>;

  constructor(tenure: TenureModule, urls: readonly string[], settings: TenureSettings) {
    this.#redlock = new tenure.Redlock([...urls], { ...settings });
  }

  async hold(resource: string, ttl: number, stop: AbortSignal, body: (held: Held) => Promise<void>): Promise<void> {
    await this.#redlock.using(resource, { ttl, fence: true, signal: stop }, (lock) =>
      body({
        value: lock.value,
        token: lock.fencingToken,
        lost: lock.signal,
        holds: () => lock.isHeld,
        validUntil: () => fromWall(lock.expiresAt),
      }),
    );
  }

  close(): Promise<void> {
    return this.#redlock.close();
  }
}

/**
 * node-redlock's `using` hands the routine only a signal, not the lock: `acquire` and
 * `extend`, which `using` reaches through the instance, are wrapped to see the lock (its
 * value, its expiration). Nothing else changes.
 */
class SeeingRedlock extends Redlock5 {
  last: Redlock5Lock | undefined;
  override async acquire(...args: Parameters<Redlock5['acquire']>): Promise<Redlock5Lock> {
    this.last = await super.acquire(...args);
    return this.last;
  }
  override async extend(...args: Parameters<Redlock5['extend']>): Promise<Redlock5Lock> {
    this.last = await super.extend(...args);
    return this.last;
  }
}

class Redlock5Lib implements LockLib {
  readonly #clients: Redis[];
  readonly #redlock: SeeingRedlock;

  constructor(urls: readonly string[]) {
    this.#clients = connect(urls);
    this.#redlock = new SeeingRedlock(this.#clients);
    // Its README's first step: without a listener, the 'error' event it emits for every
    // refused vote throws inside its vote counting.
    this.#redlock.on('error', () => undefined);
  }

  async hold(resource: string, ttl: number, _stop: AbortSignal, body: (held: Held) => Promise<void>): Promise<void> {
    await this.#redlock.using([resource], ttl, (signal) =>
      body({
        value: this.#redlock.last!.value,
        token: undefined,
        lost: signal,
        holds: () => !signal.aborted,
        validUntil: () => (this.#redlock.last ? fromWall(this.#redlock.last.expiration) : undefined),
      }),
    );
  }

  close(): Promise<void> {
    return disconnectAll(this.#clients);
  }
}

class SemaphoreLib implements LockLib {
  readonly #clients: Redis[];

  constructor(urls: readonly string[]) {
    this.#clients = connect(urls);
  }

  async hold(resource: string, ttl: number, stop: AbortSignal, body: (held: Held) => Promise<void>): Promise<void> {
    const lost = new AbortController();
    // Its default onLockLost throws inside the refresh timer (an uncaught exception that ends
    // the process): a user who keeps the process up passes a handler.
    const options = { lockTimeout: ttl, onLockLost: (error: Error) => lost.abort(error) };
    const mutex =
      this.#clients.length === 1 ? new Mutex(this.#clients[0]!, resource, options) : new RedlockMutex(this.#clients, resource, options);
    await mutex.acquire(stop);
    try {
      // No validity of its own: it learns of a loss only when a refresh fails.
      const held = { value: mutex.identifier, token: undefined, lost: lost.signal, validUntil: () => undefined };
      await body({ ...held, holds: () => mutex.isAcquired && !lost.signal.aborted });
    } finally {
      await mutex.release();
    }
  }

  close(): Promise<void> {
    return disconnectAll(this.#clients);
  }
}

/** Not quit(): a black-holed or stopped server would never answer it. */
function disconnectAll(clients: readonly Redis[]): Promise<void> {
  for (const c of clients) c.disconnect();
  return Promise.resolve();
}
