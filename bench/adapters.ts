/**
 * One shape for every library under test: acquire (waiting up to SETTINGS.wait), then
 * release or extend the lock held. Each adapter owns its own ioredis connections, so no
 * library shares a socket (or a queue) with another.
 */
import { randomUUID } from 'node:crypto';
import { SETTINGS, type LibName } from './config.js';
import { RawAdapter } from './floor.js';
import { Redlock4Adapter, Redlock5Adapter, SemaphoreAdapter } from './rivals.js';

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
