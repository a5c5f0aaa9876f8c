/**
 * One voting instance: a client, its label, whether Tenure owns it, and what Tenure knows
 * of the server behind it (core/monitor.ts).
 *
 * Stalls: a command that times out does not reset the connection — a stalled server's late
 * answers still come on it, in order, and are dealt with (a late yes of a failed attempt is
 * undone). But a connection whose bytes were lost (a proxy that drops them) would pair every
 * later reply with the wrong command, so a timeout makes an owned connection suspect: no new
 * command goes on it until a probe (ECHO of a nonce) comes back as sent. A stalled server
 * answers it once it wakes, and the connection is trusted again; no answer within the grace
 * (2 × commandTimeout, at least 1 s), or a wrong one, resets the connection, once.
 * What a reset (or any failure) leaves undone — the compare-and-delete of a failed attempt, a
 * release — is swept: kept per server and sent again when the connection is back, until it is
 * answered or the lock's ttl has passed with the server reachable.
 */
import { debuglog } from 'node:util';
import type { Redis } from 'ioredis';
import { ConnectionError } from '../errors.js';
import type { Clock } from './monotonic.js';
import { shardedPubSub } from './adapters/borrow.js';
import { INFO_EVERY, type Health } from './monitor.js';
import { forgetScripts, runScript, type Call, type Invocation, type ScriptClient } from './scripts.js';
import { sleep } from './sleep.js';

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

/** Most sweeps kept per server (the oldest go first). */
const MAX_SWEEPS = 10_000;

interface Sweep {
  /** Made when sent (an argument may depend on the time: undo-to's ttl). */
  readonly call: () => Invocation;
  readonly ttl: number;
  /** Monotonic time the server was first reachable after the sweep was queued. */
  reachableSince: number | undefined;
  sending: boolean;
  /** Sent once more after a reset (see #send). */
  confirmed: boolean;
  /** Told the first answer (a release learns what the server said: lock/ops.ts releaseWith). */
  onAnswer: ((reply: unknown) => void) | undefined;
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
  /** The connection's last error (refused, TLS, WRONGPASS...), until it is ready again. */
  #lastError: Error | undefined;
  #ready: Promise<void> | undefined;
  /** When INFO was last asked for (0: ask before the next command). */
  #infoAt = 0;
  /** Set while a timed-out connection waits for its probe: nothing new is sent on it. */
  #probing = false;
  #probes = 0;
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
      emitter.on('error', (error: Error) => {
        this.#lastError = error;
        debug('%s: %s', label, error.message);
      });
      emitter.on('ready', () => {
        if (this.#everReady) forgetScripts(client); // a restarted server has no scripts
        this.#everReady = true;
        this.#lastError = undefined;
        this.#infoAt = 0; // who is it now? (a restart has a new run_id)
        this.#probing = false;
        // After what waited for this first connection is sent (#firstReady: its callers send
        // in the microtasks right after this event): a sweep undoes an attempt, and must not
        // reach the server before the attempt it undoes.
        setImmediate(() => this.#resume());
      });
    }
  }

  /**
   * Runs a script here. An owned connection that is down fails fast (no offline queue);
   * one still making its first connection is waited for, bounded by the connect timeout.
   */
  eval(call: Call): Promise<unknown> {
    const status = this.client.status;
    if (this.#probing) return Promise.reject(new ConnectionError(this.label, 'stalled: no answer since a command timed out'));
    if (status === 'ready' || !this.owned) {
      this.#look();
      return runScript(this.client, call);
    }
    if (!this.#everReady && (status === 'connecting' || status === 'connect' || status === 'wait')) {
      return this.#firstReady().then(() => this.eval(call));
    }
    const cause = this.#lastError;
    return Promise.reject(new ConnectionError(this.label, cause ? `${status}: ${cause.message}` : status, { cause }));
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
      // The cause (a refused connection, a failed TLS handshake, WRONGPASS) is in the message.
      const onClose = (): void =>
        done(
          new ConnectionError(this.label, `connection failed${this.#lastError ? `: ${this.#lastError.message}` : ''}`, {
            cause: this.#lastError,
          }),
        );
      emitter.on('ready', onReady);
      emitter.on('close', onClose);
    });
    return this.#ready;
  }

  /**
   * A command here got no answer in time. An owned connection becomes suspect (see the
   * module doc): a probe goes out behind everything in flight; until it comes back as sent,
   * nothing new goes on this connection. A borrowed client is the user's to manage.
   */
  timedOut(): void {
    if (!this.owned || this.cluster || this.#probing || this.client.status !== 'ready') return;
    this.#probing = true;
    const client = this.client as unknown as Redis;
    const nonce = `tenure-probe-${process.pid}-${++this.#probes}`;
    const grace = Math.max(2 * this.#options.commandTimeout, 1_000);
    let settled = false;
    const settle = (trusted: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!this.#probing) return; // reconnected meanwhile
      this.#probing = false;
      if (trusted) {
        this.#resume();
        return;
      }
      debug('%s: no answer to a probe within %d ms; reconnecting', this.label, grace);
      this.#resetAt = this.#options.clock.now();
      client.disconnect(true);
    };
    const timer = setTimeout(() => settle(false), grace);
    timer.unref();
    client.echo(nonce).then(
      (reply) => settle(reply === nonce),
      () => settle(false),
    );
  }

  /**
   * A compare-and-delete here (a failed attempt's vote, a release that did not get through:
   * release.lua, rw-release.lua, undo-to.lua), sent now and again whenever the connection is
   * back, until answered. Gives up once `ttl` ms have passed with the server reachable: by
   * then the keys have expired by themselves. `call` is made each time it is sent (an
   * argument may depend on the time). `onAnswer` is told the first answer.
   */
  sweep(ttl: number, call: () => Invocation, onAnswer?: (reply: unknown) => void): void {
    if (this.#sweeps.size >= MAX_SWEEPS) this.#sweeps.delete(this.#sweeps.values().next().value!);
    const entry: Sweep = {
      call,
      ttl,
      reachableSince: undefined,
      sending: false,
      confirmed: false,
      onAnswer,
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
    if (this.owned && (this.client.status !== 'ready' || this.#probing)) return; // sent again on 'ready' (or once trusted)
    entry.sending = true;
    runScript(this.client, entry.call()).then(
      (reply) => {
        entry.sending = false;
        const told = entry.onAnswer;
        entry.onAnswer = undefined;
        told?.(reply);
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
      await Promise.race([client.quit().catch(() => undefined), sleep(500, undefined, { unref: true })]);
    }
    client.disconnect();
  }
}

/** An ioredis (or iovalkey) `Cluster`: it says so in `isCluster`. */
export function isCluster(client: object): boolean {
  return (client as { isCluster?: unknown }).isCluster === true;
}
