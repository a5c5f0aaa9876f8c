/**
 * One shape for every library under test: acquire (waiting up to SETTINGS.wait), then
 * release or extend the lock held. Each adapter owns its own ioredis connections, so no
 * library shares a socket (or a queue) with another.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import Redlock4 from 'redlock4';
import Redlock5, { type Lock as Redlock5Lock } from 'redlock5';
import { Mutex, RedlockMutex } from 'redis-semaphore';
import { SETTINGS, type LibName } from './config.js';

export type TenureModule = typeof import('../src/index.js');
type Lock = InstanceType<TenureModule['Lock']>;
export type TenureSource = 'src' | 'dist';

/**
 * Tenure from the bundle in dist/ (default: what ships, and what `npm run bench` has just
 * built from src/), or from src/ through tsx (BENCH_TENURE=src). They are not quite the same
 * code: tsx compiles with esbuild's keepNames, which wraps every named closure in a
 * `__name(fn, "name")` call (an Object.defineProperty) each time it is created — in
 * poll()'s per-call closures, for one — and that costs Tenure several µs of CPU per
 * lock that the published bundle (tsup, no keepNames) does not pay.
 */
export async function loadTenure(source: TenureSource): Promise<TenureModule> {
  if (source === 'dist') {
    const entry = '../dist/index.js'; // not a literal: the typecheck must not need a build
    return (await import(entry)) as TenureModule;
  }
  return import('../src/index.js');
}

export interface Held {
  release(): Promise<void>;
  extend(ttl: number): Promise<void>;
}

// Held locks are small classes, not object literals of arrow functions: tsx compiles with
// esbuild's keepNames, which wraps every named closure in a `__name(...)` call each time it
// is created; class methods are not wrapped, so no library pays that in the bench's own code.

class TenureHeld implements Held {
  constructor(private readonly lock: Lock) {}
  async release(): Promise<void> {
    await this.lock.release();
  }
  extend(ttl: number): Promise<void> {
    return this.lock.extend(ttl);
  }
}

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

class RawHeld implements Held {
  constructor(
    private readonly raw: RawAdapter,
    private readonly key: string,
    private readonly value: string,
  ) {}
  async release(): Promise<void> {
    await this.raw.unlock(this.key, this.value);
  }
  async extend(ttl: number): Promise<void> {
    if ((await this.raw.extend(this.key, this.value, ttl)) < this.raw.quorum) throw new Error('raw: extend lost the quorum');
  }
}

export interface Adapter {
  readonly name: LibName;
  /** Takes the lock, waiting up to SETTINGS.wait; rejects when it could not. */
  acquire(key: string, ttl: number): Promise<Held>;
  /** Opens connections and loads scripts: after this the first measured call is warm. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface AdapterContext {
  readonly urls: readonly string[];
  readonly tenure: TenureModule;
  /** Tenure only: its `autoPipelining` option (scenario b measures it as a variant). */
  readonly autoPipelining?: boolean;
}

export function makeAdapter(name: LibName, ctx: AdapterContext): Adapter {
  switch (name) {
    case 'tenure':
      return new TenureAdapter(ctx);
    case 'redlock5':
      return new Redlock5Adapter(ctx.urls);
    case 'redlock4':
      return new Redlock4Adapter(ctx.urls);
    case 'redis-semaphore':
      return new SemaphoreAdapter(ctx.urls);
    case 'raw':
      return new RawAdapter(ctx.urls);
  }
}

/** The peers' and the floor's connections: default ioredis options, errors logged by nobody (as Tenure's own). */
export function connect(urls: readonly string[]): Redis[] {
  return urls.map((url) => new Redis(url).on('error', () => undefined));
}

async function pingAll(clients: readonly Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.ping()));
}

async function quitAll(clients: readonly Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/** Retries node-redlock needs so that its shortest possible wait covers SETTINGS.wait. */
const REDLOCK_RETRIES = Math.ceil(SETTINGS.wait / SETTINGS.retryDelay);
/** node-redlock's jitter is ±retryJitter: centre the window on Tenure's [delay, delay + jitter). */
const REDLOCK_DELAY = SETTINGS.retryDelay + SETTINGS.retryJitter / 2;
const REDLOCK_JITTER = SETTINGS.retryJitter / 2;
/** The settings both node-redlock versions get. */
const REDLOCK_OPTIONS = { driftFactor: 0.01, retryCount: REDLOCK_RETRIES, retryDelay: REDLOCK_DELAY, retryJitter: REDLOCK_JITTER };

class TenureAdapter implements Adapter {
  readonly name = 'tenure';
  readonly #redlock: InstanceType<TenureModule['Redlock']>;

  constructor(ctx: AdapterContext) {
    this.#redlock = new ctx.tenure.Redlock([...ctx.urls], {
      retryDelay: SETTINGS.retryDelay,
      retryJitter: SETTINGS.retryJitter,
      wait: SETTINGS.wait,
      autoPipelining: ctx.autoPipelining ?? false,
    });
  }

  async ready(): Promise<void> {
    // Tenure connects lazily on first use; one lock on a scratch key opens and loads everything.
    const lock = await this.#redlock.acquire(`warm:${randomUUID()}`, { ttl: 1000 });
    await lock.extend(1000);
    await lock.release();
  }

  async acquire(key: string, ttl: number): Promise<Held> {
    return new TenureHeld(await this.#redlock.acquire(key, { ttl, wait: SETTINGS.wait }));
  }

  close(): Promise<void> {
    return this.#redlock.close();
  }
}

class Redlock5Adapter implements Adapter {
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

class Redlock4Adapter implements Adapter {
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

class SemaphoreAdapter implements Adapter {
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

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const COMPARE_AND_PEXPIRE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * The floor: what a correct lock costs through ioredis with nothing else. One instance:
 * SET NX PX, then EVALSHA compare-and-delete. N instances: the same on all N in parallel
 * (Promise.all, no early return), a quorum check and a validity check. When it does not
 * get the lock it deletes its partial votes and retries after the same delay as Tenure
 * (a naive spin-lock).
 */
class RawAdapter implements Adapter {
  readonly name = 'raw';
  readonly #clients: Redis[];
  readonly quorum: number;
  #cad = '';
  #cap = '';

  constructor(urls: readonly string[]) {
    this.#clients = connect(urls);
    this.quorum = Math.floor(urls.length / 2) + 1;
  }

  async ready(): Promise<void> {
    const [cad, cap] = await Promise.all([
      Promise.all(this.#clients.map((c) => c.script('LOAD', COMPARE_AND_DELETE) as Promise<string>)),
      Promise.all(this.#clients.map((c) => c.script('LOAD', COMPARE_AND_PEXPIRE) as Promise<string>)),
    ]);
    this.#cad = cad[0]!;
    this.#cap = cap[0]!;
    const held = await this.acquire(`warm:${randomUUID()}`, 1000);
    await held.extend(1000);
    await held.release();
  }

  async #attempt(key: string, value: string, ttl: number): Promise<number> {
    if (this.#clients.length === 1) return (await this.#clients[0]!.set(key, value, 'PX', ttl, 'NX')) === 'OK' ? 1 : 0;
    const replies = await Promise.all(this.#clients.map((c) => c.set(key, value, 'PX', ttl, 'NX')));
    let yes = 0;
    for (const r of replies) if (r === 'OK') yes++;
    return yes;
  }

  async unlock(key: string, value: string): Promise<number> {
    if (this.#clients.length === 1) return (await this.#clients[0]!.evalsha(this.#cad, 1, key, value)) as number;
    const replies = await Promise.all(this.#clients.map((c) => c.evalsha(this.#cad, 1, key, value) as Promise<number>));
    let yes = 0;
    for (const r of replies) if (r === 1) yes++;
    return yes;
  }

  async extend(key: string, value: string, ttl: number): Promise<number> {
    if (this.#clients.length === 1) return (await this.#clients[0]!.evalsha(this.#cap, 1, key, value, ttl)) as number;
    const replies = await Promise.all(this.#clients.map((c) => c.evalsha(this.#cap, 1, key, value, ttl) as Promise<number>));
    let yes = 0;
    for (const r of replies) if (r === 1) yes++;
    return yes;
  }

  async acquire(key: string, ttl: number): Promise<Held> {
    const value = randomUUID();
    const drift = Math.floor(ttl * 0.01) + 2;
    const started = performance.now();
    for (;;) {
      const start = performance.now();
      const yes = await this.#attempt(key, value, ttl);
      if (yes >= this.quorum && performance.now() - start < ttl - drift) return new RawHeld(this, key, value);
      if (yes > 0) await this.unlock(key, value);
      if (performance.now() - started >= SETTINGS.wait) throw new Error(`raw: no lock on ${key} within ${SETTINGS.wait} ms`);
      await sleep(SETTINGS.retryDelay + Math.floor(Math.random() * SETTINGS.retryJitter));
    }
  }

  close(): Promise<void> {
    return quitAll(this.#clients);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
