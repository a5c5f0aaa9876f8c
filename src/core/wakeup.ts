/**
 * Waking waiters on release, instead of polling. Each instance gets one subscriber
 * connection per Redlock (core/feed.ts: SUBSCRIBE, or sharded pub/sub on a Cluster), opened
 * when the first waiter arrives; channels are subscribed while someone waits on them
 * (reference-counted) and unsubscribed when nobody does.
 * A release publishes on every instance, so one live subscription is enough; the N copies
 * of one release carry the same payload and wake a waiter once.
 *
 * A lost message costs nothing but time: waiters also wake after their own delay
 * (min(retryDelay + jitter, the holder's remaining ttl)).
 *
 * A release of a one-resource lock names the waiter it handed the lock to (release-one.lua):
 * only the waiter with that claim wakes, in whichever process it is (core/claims.ts says
 * when). Nobody else wakes for it — nor hears it: the message goes to the hand-off channel of
 * the claim's Redlock (keys.ts handoffChannel: the release channel and this Redlock's `tag`),
 * which its waiters subscribe beside the release channel.
 */
import { debuglog } from 'node:util';
import type { Instance } from './endpoint.js';
import { randomBytes } from 'node:crypto';
import { handoffChannel, parseReleaseMessage, releaseMessage } from '../keys.js';
import { Claims, type Handoff } from './claims.js';
import { openFeed, type Feed } from './feed.js';

const debug = debuglog('tenure');

/** How long a channel nobody waits on stays subscribed, in case a waiter comes back. */
const LINGER_MS = 1_000;

interface Waiter {
  readonly channels: readonly string[];
  wake(): void;
  interrupt(reason: Error): void;
}

export class Wakeup {
  /** This Redlock's tag: in its waiters' claims, and their hand-off channels (keys.ts handoffChannel). */
  readonly tag = randomBytes(6).toString('base64url');
  /** How a hand-off channel of this Redlock ends. */
  readonly #handoffSuffix = handoffChannel('', this.tag);
  readonly #instances: readonly Instance[];
  readonly #timeout: number;
  readonly #subscribers = new Map<Instance, Feed | null>();
  readonly #refs = new Map<string, number>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #lastPayload = new Map<string, string>();
  /** Releases seen per channel: a release that comes while a waiter is mid-attempt is not lost. */
  readonly #generation = new Map<string, number>();
  /** Listeners that want every message of a channel (an election's leader announcements). */
  readonly #listeners = new Map<string, Set<(payload: string) => void>>();
  #closed = false;
  #interrupted: Error | undefined;
  /** Every wait in progress, with or without channels. */
  readonly #all = new Set<Waiter>();
  /** Channels nobody waits on any more, still subscribed until the linger timer fires. */
  readonly #lingering = new Set<string>();
  #lingerTimer: NodeJS.Timeout | undefined;
  /** Claims waited with (core/claims.ts). */
  readonly #claims: Claims;
  /** Channels an instance confirmed the subscription of (and not unsubscribed since). */
  readonly #confirmed = new Set<string>();
  /** Subscriptions sent and not confirmed yet, by channel. */
  readonly #pending = new Map<string, Promise<void>>();

  constructor(instances: readonly Instance[], timeout: number) {
    this.#instances = instances;
    this.#timeout = timeout;
    this.#claims = new Claims(instances.length);
  }

  /** Whether every one of these channels is subscribed already, confirmed (a release now would be heard). */
  listening(channels: readonly string[]): boolean {
    return channels.every((c) => this.#confirmed.has(c));
  }

  /** Whether any release channel is subscribed here (a cheap first look, before names are built). */
  get listeningAny(): boolean {
    return this.#confirmed.size > 0;
  }

  /** Starts following hand-offs to `claim` (a waiter's: lock/line.ts Claim). */
  claim(claim: string): void {
    this.#claims.add(claim);
  }

  /**
   * The hand-off a quorum of servers made to `claim` since it was last asked (core/claims.ts),
   * taken: undefined when none (or it went stale).
   */
  handoff(claim: string): Handoff | undefined {
    const named = this.#claims.get(claim);
    const handoff = named?.handoff;
    if (named !== undefined) named.handoff = undefined;
    return handoff;
  }

  /** Stops following hand-offs to `claim`. */
  unclaim(claim: string): void {
    this.#claims.remove(claim);
  }

  /**
   * Starts listening on these release channels (sharded pub/sub on a Cluster). Resolves once
   * one instance confirmed the subscription (or none could within the timeout: waiters then
   * rely on their delay).
   */
  subscribe(channels: readonly string[]): Promise<void> {
    const fresh = channels.filter((c) => {
      const n = this.#refs.get(c);
      this.#refs.set(c, (n ?? 0) + 1);
      return n === undefined; // (0: still subscribed, lingering)
    });
    // Channels another waiter subscribed a moment ago: wait for the same confirmation.
    const earlier = channels.map((c) => this.#pending.get(c)).filter((p) => p !== undefined);
    if (fresh.length === 0 || this.#closed) return earlier.length === 0 ? Promise.resolve() : Promise.all(earlier).then(() => undefined);
    const sent = this.#instances.map((instance) => {
      const sub = this.#subscriber(instance);
      if (sub === null) return Promise.reject(new Error('no subscriber'));
      return sub.subscribe(fresh, true);
    });
    const confirmed = this.#confirmation(fresh, sent);
    for (const c of fresh) this.#pending.set(c, confirmed);
    void confirmed.then(() => {
      for (const c of fresh) if (this.#pending.get(c) === confirmed) this.#pending.delete(c);
    });
    return Promise.all([confirmed, ...earlier]).then(() => undefined);
  }

  /** Resolves once one instance confirmed `fresh` (or all failed, or the timeout passed). */
  #confirmation(fresh: readonly string[], sent: readonly Promise<unknown>[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let failed = 0;
      const timer = setTimeout(resolve, this.#timeout);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      for (const p of sent) {
        p.then(
          () => {
            for (const c of fresh) if (this.#refs.has(c)) this.#confirmed.add(c);
            done();
          },
          (error: unknown) => {
            debug('subscribe: %s', String(error));
            if (++failed === sent.length) done();
          },
        );
      }
    });
  }

  /**
   * Stops listening on these channels when this was the last interested waiter — after
   * LINGER_MS, so that a lock taken again and again under contention (each acquire that
   * waits subscribes, and its win unsubscribes) does not pay a SUBSCRIBE round trip and an
   * UNSUBSCRIBE on every server each time.
   */
  unsubscribe(channels: readonly string[]): void {
    for (const c of channels) {
      const n = (this.#refs.get(c) ?? 0) - 1;
      if (n > 0) this.#refs.set(c, n);
      else {
        this.#refs.set(c, 0);
        this.#lingering.add(c);
      }
    }
    if (this.#lingering.size > 0 && this.#lingerTimer === undefined && !this.#closed) {
      this.#lingerTimer = setTimeout(() => this.#dropLingering(), LINGER_MS);
      this.#lingerTimer.unref();
    }
  }

  /** Unsubscribes the channels nobody took up again while they lingered. */
  #dropLingering(): void {
    this.#lingerTimer = undefined;
    const gone: string[] = [];
    for (const c of this.#lingering) {
      if ((this.#refs.get(c) ?? 0) > 0) continue;
      this.#refs.delete(c);
      this.#lastPayload.delete(c);
      this.#generation.delete(c);
      this.#listeners.delete(c);
      this.#confirmed.delete(c);
      gone.push(c);
    }
    this.#lingering.clear();
    if (gone.length === 0 || this.#closed) return;
    for (const sub of this.#subscribers.values()) sub?.unsubscribe(gone);
  }

  /**
   * Calls `fn` with each distinct message on `channel` until the returned function is
   * called. Resolves once the subscription is confirmed (or the timeout passed). The channel
   * is published like a release (src/lua/announce.lua: SPUBLISH on a Cluster), so it is
   * subscribed the same way.
   */
  async listen(channel: string, fn: (payload: string) => void): Promise<() => void> {
    let set = this.#listeners.get(channel);
    if (set === undefined) this.#listeners.set(channel, (set = new Set()));
    set.add(fn);
    let done = false;
    await this.subscribe([channel]);
    return () => {
      if (done) return;
      done = true;
      this.#listeners.get(channel)?.delete(fn);
      this.unsubscribe([channel]);
    };
  }

  /** Whether the last release heard on `channel` was the lock `value`'s (keys.ts releaseMessage). */
  heard(channel: string, value: string): boolean {
    return this.#lastPayload.get(channel) === releaseMessage(value);
  }

  /**
   * How many releases were seen on these channels so far, and hand-offs to `claim` (compare
   * before and after an attempt).
   */
  generation(channels: readonly string[], claim?: string): number {
    let g = 0;
    for (const c of channels) g += this.#generation.get(c) ?? 0;
    if (claim !== undefined) g += this.#claims.get(claim)?.count ?? 0;
    return g;
  }

  /**
   * Resolves after `ms`, on a release message on any of the channels that names no waiter or
   * names `claim`, or rejects on abort. Resolves at once when a release came since `since` (a
   * generation read before the attempt).
   */
  wait(channels: readonly string[], ms: number, signal: AbortSignal | undefined, since?: number, claim?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      if (this.#interrupted) return reject(this.#interrupted);
      if (since !== undefined && this.generation(channels, claim) !== since) return resolve();
      const named = claim === undefined ? undefined : this.#claims.get(claim);
      const waiter: Waiter = {
        channels,
        wake: () => finish(resolve),
        interrupt: (reason) => finish(() => reject(reason)),
      };
      const onAbort = (): void => finish(() => reject(signal!.reason as Error));
      const timer = setTimeout(() => finish(resolve), Math.max(0, Math.ceil(ms)));
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const c of channels) this.#waiters.get(c)?.delete(waiter);
        this.#all.delete(waiter);
        if (named?.waiter === waiter) named.waiter = undefined;
        settle();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#all.add(waiter);
      if (named !== undefined) named.waiter = waiter;
      for (const c of channels) {
        let set = this.#waiters.get(c);
        if (set === undefined) this.#waiters.set(c, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  /** Rejects every wait in progress, and every later one, with `reason` (the Redlock is closing). */
  interrupt(reason: Error): void {
    this.#interrupted = reason;
    for (const w of [...this.#all]) w.interrupt(reason);
  }

  /** Closes every subscriber connection (they are always Tenure's own). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    for (const sub of this.#subscribers.values()) sub?.close();
    this.#subscribers.clear();
  }

  /** The instance's subscriber connection, opened on first use; null when the client cannot make one. */
  #subscriber(instance: Instance): Feed | null {
    let sub = this.#subscribers.get(instance);
    if (sub !== undefined) return sub;
    sub = openFeed(instance, (channel, payload) => this.#onMessage(instance, channel, payload));
    this.#subscribers.set(instance, sub);
    return sub;
  }

  #onMessage(instance: Instance, at: string, payload: string): void {
    // (A hand-off channel's message is its release channel's, heard here alone.)
    const channel = at.endsWith(this.#handoffSuffix) ? at.slice(0, -this.#handoffSuffix.length) : at;
    const { released, next, ms } = parseReleaseMessage(payload);
    const fresh = this.#lastPayload.get(channel) !== released; // else another instance's copy of the same release
    if (fresh) {
      this.#lastPayload.set(channel, released);
      for (const fn of this.#listeners.get(channel) ?? []) fn(payload);
    }
    if (next !== undefined) return this.#claims.handed(instance, released, next, ms);
    if (!fresh) return;
    this.#generation.set(channel, (this.#generation.get(channel) ?? 0) + 1);
    // Wake one waiter (the longest waiting): the lock can go to one of them only, and a
    // herd of attempts from every waiter of every process splits the votes. The others
    // wake on the next release, or after their own delay.
    const waiters = this.#waiters.get(channel);
    if (waiters === undefined) return;
    for (const w of waiters) {
      w.wake();
      return;
    }
  }
}
