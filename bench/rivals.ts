/**
 * The other libraries under test, in the adapters' one shape (bench/adapters.ts): node-redlock
 * 5 and 4, and redis-semaphore (its Mutex, or its RedlockMutex on N instances), each given the
 * same retry settings as Tenure.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import Redlock4 from 'redlock4';
import Redlock5, { type Lock as Redlock5Lock } from 'redlock5';
import { Mutex, RedlockMutex } from 'redis-semaphore';
import type { Adapter, Held } from './adapters.js';
import { SETTINGS } from './config.js';
import { connect, pingAll, quitAll } from './connections.js';

// (Held locks are small classes: see bench/adapters.ts.)

class Redlock5Held implements Held {
  constructor(private lock: Redlock5Lock) {}
  async release(): Promise<void> {
    await this.lock.release();
  }
  async extend(ttl: number): Promise<void> {
    this.lock = await this.lock.extend(ttl); // 5.x hands back a new Lock and invalidates the old one
  }
}

class Redlock4Held implements Held {
  constructor(private readonly lock: Redlock4.Lock) {}
  async release(): Promise<void> {
    await this.lock.unlock();
  }
  async extend(ttl: number): Promise<void> {
    await this.lock.extend(ttl); // 4.x extends in place
  }
}

/** redis-semaphore has no public extend: its refresh timer calls the protected `_refresh()`. */
interface Refreshable {
  _refresh(): Promise<boolean>;
}

class SemaphoreHeld implements Held {
  constructor(private readonly mutex: Mutex | RedlockMutex) {}
  release(): Promise<void> {
    return this.mutex.release();
  }
  async extend(): Promise<void> {
    // Extends by the mutex's lockTimeout (the same ttl in every scenario here).
    if (!(await (this.mutex as unknown as Refreshable)._refresh())) throw new Error('redis-semaphore: refresh failed');
  }
}

/** Retries node-redlock needs so that its shortest possible wait covers SETTINGS.wait. */
const REDLOCK_RETRIES = Math.ceil(SETTINGS.wait / SETTINGS.retryDelay);
/** node-redlock's jitter is ±retryJitter: centre the window on Tenure's [delay, delay + jitter). */
const REDLOCK_DELAY = SETTINGS.retryDelay + SETTINGS.retryJitter / 2;
const REDLOCK_JITTER = SETTINGS.retryJitter / 2;
/** The settings both node-redlock versions get. */
const REDLOCK_OPTIONS = { driftFactor: 0.01, retryCount: REDLOCK_RETRIES, retryDelay: REDLOCK_DELAY, retryJitter: REDLOCK_JITTER };

export class Redlock5Adapter implements Adapter {
  readonly name = 'redlock5';
  readonly #clients: Redis[];
  readonly #redlock: Redlock5;

  constructor(urls: readonly string[]) {
    this.#clients = connect(urls);
    this.#redlock = new Redlock5(this.#clients, REDLOCK_OPTIONS);
  }

  async ready(): Promise<void> {
    await pingAll(this.#clients);
    const lock = await this.#redlock.acquire([`warm:${randomUUID()}`], 1000);
    await (await lock.extend(1000)).release();
  }

  async acquire(key: string, ttl: number): Promise<Held> {
    return new Redlock5Held(await this.#redlock.acquire([key], ttl));
  }

  close(): Promise<void> {
    return quitAll(this.#clients);
  }
}

export class Redlock4Adapter implements Adapter {
  readonly name = 'redlock4';
  readonly #clients: Redis[];
  readonly #redlock: Redlock4;

  constructor(urls: readonly string[]) {
    this.#clients = connect(urls);
    this.#redlock = new Redlock4(this.#clients, REDLOCK_OPTIONS);
  }

  async ready(): Promise<void> {
    await pingAll(this.#clients);
    const lock = await this.#redlock.lock(`warm:${randomUUID()}`, 1000);
    await lock.extend(1000);
    await lock.unlock();
  }

  async acquire(key: string, ttl: number): Promise<Held> {
    return new Redlock4Held(await this.#redlock.lock(key, ttl));
  }

  close(): Promise<void> {
    return quitAll(this.#clients);
  }
}

export class SemaphoreAdapter implements Adapter {
  readonly name = 'redis-semaphore';
  readonly #clients: Redis[];

  constructor(urls: readonly string[]) {
    this.#clients = connect(urls);
  }

  #mutex(key: string, ttl: number): Mutex | RedlockMutex {
    const options = {
      lockTimeout: ttl,
      acquireTimeout: SETTINGS.wait,
      retryInterval: SETTINGS.retryDelay,
      refreshInterval: 0, // no auto-refresh timer: nobody else auto-extends either
    };
    // One instance: its plain Mutex (SET NX PX); N instances: its Redlock variant.
    return this.#clients.length === 1 ? new Mutex(this.#clients[0]!, key, options) : new RedlockMutex(this.#clients, key, options);
  }

  async ready(): Promise<void> {
    await pingAll(this.#clients);
    const held = await this.acquire(`warm:${randomUUID()}`, 1000);
    await held.extend(1000);
    await held.release();
  }

  async acquire(key: string, ttl: number): Promise<Held> {
    const mutex = this.#mutex(key, ttl);
    await mutex.acquire();
    return new SemaphoreHeld(mutex);
  }

  close(): Promise<void> {
    return quitAll(this.#clients);
  }
}
