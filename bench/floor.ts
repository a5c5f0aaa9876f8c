/** The floor (bench/adapters.ts's `raw`): a correct lock through ioredis with nothing else. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Adapter, Held } from './adapters.js';
import { SETTINGS } from './config.js';
import { connect, quitAll, sleep } from './connections.js';

// (Held locks are small classes: see bench/adapters.ts.)

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

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const COMPARE_AND_PEXPIRE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * The floor: what a correct lock costs through ioredis with nothing else. One instance:
 * SET NX PX, then EVALSHA compare-and-delete. N instances: the same on all N in parallel
 * (Promise.all, no early return), a quorum check and a validity check. When it does not
 * get the lock it deletes its partial votes and retries after the same delay as Tenure
 * (a naive spin-lock).
 */
export class RawAdapter implements Adapter {
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
