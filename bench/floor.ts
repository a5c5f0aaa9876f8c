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
 * The replies of `sent` counted as they come: resolves once `quorum` said yes (`isYes`) or a
 * quorum can no longer be reached — as Tenure returns, so the floor does not flatter a library
 * that decides early — with the yes count then and whether every reply was in.
 */
function early(sent: Promise<unknown>[], quorum: number, isYes: (r: unknown) => boolean): Promise<{ yes: number; all: boolean }> {
  return new Promise((resolve) => {
    let yes = 0;
    let no = 0;
    const n = sent.length;
    const settle = (): void => {
      if (yes >= quorum || n - no < quorum || yes + no === n) resolve({ yes, all: yes + no === n });
    };
    for (const p of sent) {
      p.then(
        (r) => {
          if (isYes(r)) yes++;
          else no++;
          settle();
        },
        () => {
          no++;
          settle();
        },
      );
    }
  });
}

const OK = (r: unknown): boolean => r === 'OK';
const ONE = (r: unknown): boolean => r === 1;

/**
 * The floor: what a correct lock costs through ioredis with nothing else. One instance:
 * SET NX PX, then EVALSHA compare-and-delete. N instances: the same on all N in parallel,
 * returning as soon as the outcome is decided (a quorum said yes, or can no longer), with a
 * validity check. When it does not get the lock it deletes its votes (on every server, if a
 * late yes may still come: the delete follows the SET on the same connection) and retries
 * after the same delay as Tenure (a naive spin-lock).
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

  async #attempt(key: string, value: string, ttl: number): Promise<{ yes: number; all: boolean }> {
    if (this.#clients.length === 1) return { yes: (await this.#clients[0]!.set(key, value, 'PX', ttl, 'NX')) === 'OK' ? 1 : 0, all: true };
    return early(
      this.#clients.map((c) => c.set(key, value, 'PX', ttl, 'NX')),
      this.quorum,
      OK,
    );
  }

  async unlock(key: string, value: string): Promise<number> {
    if (this.#clients.length === 1) return (await this.#clients[0]!.evalsha(this.#cad, 1, key, value)) as number;
    return (
      await early(
        this.#clients.map((c) => c.evalsha(this.#cad, 1, key, value)),
        this.quorum,
        ONE,
      )
    ).yes;
  }

  async extend(key: string, value: string, ttl: number): Promise<number> {
    if (this.#clients.length === 1) return (await this.#clients[0]!.evalsha(this.#cap, 1, key, value, ttl)) as number;
    return (
      await early(
        this.#clients.map((c) => c.evalsha(this.#cap, 1, key, value, ttl)),
        this.quorum,
        ONE,
      )
    ).yes;
  }

  async acquire(key: string, ttl: number): Promise<Held> {
    const value = randomUUID();
    const drift = Math.floor(ttl * 0.01) + 2;
    const started = performance.now();
    for (;;) {
      const start = performance.now();
      const { yes, all } = await this.#attempt(key, value, ttl);
      if (yes >= this.quorum && performance.now() - start < ttl - drift) return new RawHeld(this, key, value);
      if (yes > 0 || !all) await this.unlock(key, value);
      if (performance.now() - started >= SETTINGS.wait) throw new Error(`raw: no lock on ${key} within ${SETTINGS.wait} ms`);
      await sleep(SETTINGS.retryDelay + Math.floor(Math.random() * SETTINGS.retryJitter));
    }
  }

  close(): Promise<void> {
    return quitAll(this.#clients);
  }
}
