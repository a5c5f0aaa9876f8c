/**
 * What the main thread and the keeper thread share (`keeper: 'thread'`): one
 * SharedArrayBuffer of 64-bit integers, read and written with Atomics (no torn values).
 *
 *   [0]               the main thread's heartbeat: its clock when it last ran (µs)
 *   [1 .. 1+N)        per server: 1 while it counts as a vote (the main thread's monitor), else 0
 *   [1+N .. 1+N+CAP)  per lease slot: its validity end (µs), LOST once lost, FREE when unused
 *
 * Every time is on the main thread's time base, `performance.now()` there in µs: the
 * thread maps its own clock onto it (`performance.timeOrigin` is per thread).
 */

/** Most leases the thread keeps at once; more renew on the main thread. */
export const CAPACITY = 4096;
export const FREE = 0n;
export const LOST = -1n;

export class Shared {
  readonly buffer: SharedArrayBuffer;
  readonly #cells: BigInt64Array;
  readonly #servers: number;

  constructor(servers: number, buffer?: SharedArrayBuffer) {
    this.#servers = servers;
    this.buffer = buffer ?? new SharedArrayBuffer(8 * (1 + servers + CAPACITY));
    this.#cells = new BigInt64Array(this.buffer);
  }

  get heartbeat(): number {
    return Number(Atomics.load(this.#cells, 0)) / 1000;
  }

  beat(now: number): void {
    Atomics.store(this.#cells, 0, BigInt(Math.floor(now * 1000)));
  }

  votes(server: number): boolean {
    return Atomics.load(this.#cells, 1 + server) === 1n;
  }

  setVotes(server: number, votes: boolean): void {
    Atomics.store(this.#cells, 1 + server, votes ? 1n : 0n);
  }

  /** A slot's validity end in ms (main time base); -Infinity once lost; undefined when free. */
  validUntil(slot: number): number | undefined {
    const v = Atomics.load(this.#cells, this.#at(slot));
    if (v === FREE) return undefined;
    return v === LOST ? -Infinity : Number(v) / 1000;
  }

  /** Starts a slot at `until` (ms). */
  open(slot: number, until: number): void {
    Atomics.store(this.#cells, this.#at(slot), BigInt(Math.max(1, Math.floor(until * 1000))));
  }

  /** Raises a slot's validity to `until` (ms) — never lowers it, never revives a lost one. */
  raise(slot: number, until: number): void {
    const i = this.#at(slot);
    const next = BigInt(Math.floor(until * 1000));
    for (;;) {
      const cur = Atomics.load(this.#cells, i);
      if (cur === LOST || cur === FREE || cur >= next) return;
      if (Atomics.compareExchange(this.#cells, i, cur, next) === cur) return;
    }
  }

  lose(slot: number): void {
    Atomics.store(this.#cells, this.#at(slot), LOST);
  }

  free(slot: number): void {
    Atomics.store(this.#cells, this.#at(slot), FREE);
  }

  #at(slot: number): number {
    return 1 + this.#servers + slot;
  }
}

/** ioredis options the thread connects with (structured-cloneable), per server. */
export interface ThreadEndpoint {
  readonly label: string;
  readonly options: Record<string, unknown>;
}

export interface ThreadInit {
  /** The main thread's `performance.timeOrigin`. */
  readonly origin: number;
  readonly buffer: SharedArrayBuffer;
  readonly endpoints: readonly ThreadEndpoint[];
  readonly quorum: number;
  readonly driftFactor: number;
  readonly commandTimeout: number;
  readonly batch: number;
  /** restartQuarantine (ms; 0: none) and the servers' marker key: a server in quarantine re-takes nothing. */
  readonly quarantine: number;
  readonly marker: string;
}

/** Main thread → keeper thread. */
export type ToThread =
  | {
      readonly t: 'keep';
      readonly slot: number;
      readonly keys: readonly string[];
      readonly value: string;
      readonly ttl: number;
      readonly interval: number;
      readonly retry: number;
      readonly maxStall: number;
    }
  | { readonly t: 'drop'; readonly slot: number }
  | { readonly t: 'close' };

/** Keeper thread → main thread. */
export type FromThread =
  | { readonly t: 'ready'; readonly now: number }
  | { readonly t: 'renewed'; readonly slot: number }
  | { readonly t: 'lost'; readonly slot: number; readonly reason: 'expired' | 'taken'; readonly why: string }
  | { readonly t: 'dropped'; readonly slot: number }
  | { readonly t: 'closed' };
