/**
 * One voting instance: a client, its label, whether Tenure owns it, and what Tenure knows
 * of the server behind it (core/monitor.ts).
 *
 * Stalls: a command that times out does not reset the connection — its late answer still
 * comes on it, in order, and is dealt with (a late yes of a failed attempt is undone). Only
 * a connection that has answered nothing for a while, across several timeouts, is reset,
 * once. What a reset (or any failure) leaves undone — the compare-and-delete of a failed
 * attempt, a release — is swept: kept per server and sent again when the connection is back,
 * until it is answered or the lock's ttl has passed with the server reachable.
 */
import { debuglog } from 'node:util';
import type { Redis } from 'ioredis';
import { ConnectionError } from '../errors.js';
import type { Clock } from '../options.js';
import { shardedPubSub } from './adapters/borrow.js';
import { INFO_EVERY, type Health } from './monitor.js';
import { forgetScripts, runScript, type LuaScript, type ScriptClient } from './scripts.js';
import * as lua from '../lua/scripts.generated.js';

const debug = debuglog('tenure');

/** A connected client Tenure can use: ioredis `Redis` or `Cluster` (or a compatible one). */
export interface RedisLike extends ScriptClient {
  readonly status: string;
}

export interface InstanceOptions {
  readonly commandTimeout: number;
  readonly clock: Clock;
  readonly health: Health;
}

/** Timeouts in a row, with no answer between, before a connection is reset. */
const RESET_AFTER_TIMEOUTS = 3;
/** Most sweeps kept per server (the oldest go first). */
const MAX_SWEEPS = 10_000;

interface Sweep {
  readonly keysAndArgs: (string | number)[];
  readonly numKeys: number;
  readonly ttl: number;
  /** Monotonic time the server was first reachable after the sweep was queued. */
  reachableSince: number | undefined;
  sending: boolean;
  /** Sent once more after a reset (see #send). */
  confirmed: boolean;
}

export class Instance {
  readonly label: string;
  readonly client: RedisLike;
  readonly owned: boolean;
  readonly health: Health;
  /**
   * A Redis Cluster (one vote for the whole cluster): a lock's keys must share a hash slot,
   * and release notifications use sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis >= 7.0).
   */
  readonly cluster: boolean;
  /**
   * How the scripts here publish (release messages, leader announcements): SPUBLISH on a
   * Cluster (the message stays on the channel's shard), PUBLISH elsewhere (Redis 6.2 has no
   * SPUBLISH; the scripts fall back to PUBLISH where it is missing), and on a Cluster whose
   * client cannot subscribe by shard (core/adapters/borrow.ts).
   */
  readonly publish: 'SPUBLISH' | 'PUBLISH';
  readonly #options: InstanceOptions;
  #everReady = false;
  #ready: Promise<void> | undefined;
  /** When INFO was last asked for (0: ask before the next command). */
  #infoAt = 0;
  #timeouts = 0;
  #resetAt = -Infinity;
  readonly #sweeps = new Set<Sweep>();

  constructor(label: string, client: RedisLike, owned: boolean, options: InstanceOptions) {
    this.label = label;
    this.client = client;
    this.owned = owned;
    this.health = options.health;
    this.#options = options;
    this.cluster = isCluster(client);
    this.publish = shardedPubSub(client, this.cluster) ? 'SPUBLISH' : 'PUBLISH';
    if (owned) {
      const emitter = client as unknown as Redis;
      // An owned client must never crash the process with an unhandled 'error' event.
      emitter.on('error', (error: Error) => debug('%s: %s', label, error.message));
      emitter.on('ready', () => {
        if (this.#everReady) forgetScripts(client); // a restarted server has no scripts
        this.#everReady = true;
        this.#infoAt = 0; // who is it now? (a restart has a new run_id)
        this.#timeouts = 0;
        this.#resume();
      });
    }
  }

  /**
   * Runs a script here. An owned connection that is down fails fast (no offline queue);
   * one still making its first connection is waited for, bounded by the connect timeout.
   */
  eval(script: LuaScript, keysAndArgs: (string | number)[], numKeys: number): Promise<unknown> {
    const status = this.client.status;
    if (status === 'ready' || !this.owned) {
      this.#look();
      return runScript(this.client, script, keysAndArgs, numKeys);
    }
    if (!this.#everReady && (status === 'connecting' || status === 'connect' || status === 'wait')) {
      return this.#firstReady().then(() => this.eval(script, keysAndArgs, numKeys));
    }
    return Promise.reject(new ConnectionError(this.label, status));
  }

  /**
   * Asks the server who it is and how it keeps keys (INFO), before the command about to be
   * sent and on the same connection, so its answer is known before that command's is. Once
   * per connection, then at most every INFO_EVERY ms while in use. Not on a Cluster.
   */
  #look(): void {
    if (this.cluster) return;
    const now = this.#options.clock.now();
    if (this.#infoAt !== 0 && now - this.#infoAt < INFO_EVERY) return;
    const info = (this.client as Partial<Pick<Redis, 'info'>>).info;
    if (typeof info !== 'function') return;
    this.#infoAt = now;
    info.call(this.client).then(
      (text: unknown) => {
        if (typeof text === 'string') this.health.info(text);
      },
      (error: unknown) => debug('%s: INFO: %s', this.label, String(error)),
    );
  }

  #firstReady(): Promise<void> {
    this.#ready ??= new Promise<void>((resolve, reject) => {
      const emitter = this.client as unknown as Redis;
      const done = (error?: Error): void => {
        emitter.off('ready', onReady);
        emitter.off('close', onClose);
        this.#ready = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = (): void => done();
      const onClose = (): void => done(new ConnectionError(this.label, 'connection failed'));
      emitter.on('ready', onReady);
      emitter.on('close', onClose);
    });
    return this.#ready;
  }

  /** An answer came (a reply or a Redis error): the connection works. */
  answered(): void {
    this.#timeouts = 0;
  }

  /**
   * A command here got no answer in time. Its answer may still come, in order, on this
   * connection: it is left open. Only after several timeouts in a row with no answer between
   * (and at least two command timeouts of silence) is an owned connection reset, once: its
   * queue may hold commands that will never be answered. A borrowed client is the user's.
   */
  timedOut(): void {
    this.#timeouts++;
    if (!this.owned || this.client.status !== 'ready' || this.#timeouts < RESET_AFTER_TIMEOUTS) return;
    const now = this.#options.clock.now();
    if (now - this.#resetAt < 2 * this.#options.commandTimeout) return;
    debug('%s: %d commands timed out in a row; reconnecting', this.label, this.#timeouts);
    this.#resetAt = now;
    this.#timeouts = 0;
    (this.client as unknown as Redis).disconnect(true);
  }

  /**
   * Compare-and-delete of `value` on `keys` here (a failed attempt's vote, a release that
   * did not get through), sent now and again whenever the connection is back, until answered.
   * `channelSuffix` '' sends no release message. Gives up once `ttl` ms have passed with
   * the server reachable: by then the keys have expired by themselves.
   */
  sweep(keys: readonly string[], value: string, ttl: number, channelSuffix: string): void {
    if (this.#sweeps.size >= MAX_SWEEPS) this.#sweeps.delete(this.#sweeps.values().next().value!);
    const entry: Sweep = {
      keysAndArgs: [...keys, value, channelSuffix, this.publish],
      numKeys: keys.length,
      ttl,
      reachableSince: undefined,
      sending: false,
      confirmed: false,
    };
    this.#sweeps.add(entry);
    this.#send(entry);
  }

  /** Sweeps waiting for the connection. */
  get sweeping(): number {
    return this.#sweeps.size;
  }

  #resume(): void {
    for (const entry of this.#sweeps) this.#send(entry);
  }

  #send(entry: Sweep): void {
    if (entry.sending || !this.#sweeps.has(entry)) return;
    const now = this.#options.clock.now();
    if (this.client.status === 'ready' || !this.owned) entry.reachableSince ??= now;
    if (entry.reachableSince !== undefined && now - entry.reachableSince > entry.ttl) {
      this.#sweeps.delete(entry);
      return;
    }
    if (this.owned && this.client.status !== 'ready') return; // sent again on 'ready'
    entry.sending = true;
    runScript(this.client, lua.release, entry.keysAndArgs, entry.numKeys).then(
      () => {
        entry.sending = false;
        this.answered();
        // Right after a reset, a command of the old connection may still run after this one
        // (the server reads both sockets when it wakes): once more, a little later.
        if (!entry.confirmed && this.#options.clock.now() - this.#resetAt < 2_000) {
          entry.confirmed = true;
          const timer = setTimeout(() => this.#send(entry), 500);
          timer.unref();
          return;
        }
        this.#sweeps.delete(entry);
      },
      (error: unknown) => {
        entry.sending = false;
        debug('%s: sweep: %s', this.label, String(error));
        // Owned: sent again on 'ready' (or now, if the failure was not the connection's).
        const timer = setTimeout(() => this.#send(entry), Math.min(1_000, this.#options.commandTimeout));
        timer.unref();
      },
    );
  }

  /** Closes the connection if Tenure opened it; a borrowed client is left alone. */
  async close(): Promise<void> {
    if (!this.owned) return;
    const client = this.client as unknown as Redis;
    if (client.status === 'ready') {
      await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    }
    client.disconnect();
  }
}

/** An ioredis (or iovalkey) `Cluster`: it says so in `isCluster`. */
export function isCluster(client: object): boolean {
  return (client as { isCluster?: unknown }).isCluster === true;
}
