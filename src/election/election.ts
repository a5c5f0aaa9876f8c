/**
 * Leader election on the lock: the candidate that holds the election's lock leads, keeps
 * its lease by extending it every ttl/3, and resigns by releasing it.
 *
 * What it guarantees: at most one candidate believes it leads at any moment, by its own
 * account, as long as the processes' clocks advance at about the same rate. `isLeader` is
 * computed from the monotonic clock when read; a leader that cannot renew steps down a
 * margin (ttl/20, at least 20 ms) before its validity runs out (ttl − renewal time −
 * drift), which is before the lease can expire on a quorum of instances, so `demoted`
 * fires before any other candidate can be elected. What it does not: stop a leader that pauses (GC, SIGSTOP) from acting on a
 * belief it formed before the pause — check `isLeader` or `signal` right before acting,
 * and pass `term` (the leadership's fencing token, strictly increasing across leaders) to
 * the storage you write, which rejects a stale term.
 *
 * Liveness: a crashed leader is replaced within ttl + retryDelay; a resigning one within a
 * few round trips (its release wakes a waiting candidate through pub/sub). Waiting
 * candidates attempt about once per retryDelay (ttl/2 by default), not in a tight loop.
 */
import { EventEmitter, on } from 'node:events';
import { debuglog } from 'node:util';
import type { Context } from '../core/context.js';
import { safeEmit } from '../core/events.js';
import { sleep } from '../core/sleep.js';
import { ClosedError, LockTimeoutError, QuorumError } from '../errors.js';
import { electionResource, leaderChannel, releaseChannel } from '../keys.js';
import { acquire } from '../lock/acquire.js';
import { inspect } from '../lock/inspect.js';
import type { Lock } from '../lock/lock.js';
import type { ResolvedElection } from '../options/index.js';
import { announce, parseAnnouncement } from './announce.js';
import type { ElectionEvents } from './events.js';
import { termEnd } from './term.js';

const debug = debuglog('tenure');

interface Term {
  readonly lock: Lock;
  readonly token: bigint;
  readonly controller: AbortController;
  /** Aborted when the term ends: resignation, or the lock's loss. */
  readonly signal: AbortSignal;
}

const NOT_LEADER = AbortSignal.abort(new Error('not the leader'));

export class Election extends EventEmitter<ElectionEvents> {
  /** The election's name. */
  readonly name: string;
  /** This candidate's id. */
  readonly id: string;
  readonly #ctx: Context;
  readonly #o: ResolvedElection;
  readonly #resource: string;
  #campaign: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #term: Term | undefined;
  #leader: string | null | undefined;
  /** The highest term announced so far: copies of older announcements arriving late are ignored. */
  #highestTerm = -1n;

  /** @internal Made by `redlock.election(name, options)`. */
  constructor(ctx: Context, name: string, options: ResolvedElection) {
    super();
    this.#ctx = ctx;
    this.#o = options;
    this.name = name;
    this.id = options.id;
    this.#resource = electionResource(name);
  }

  /** Whether this candidate leads now (computed from the clock when read). */
  get isLeader(): boolean {
    const t = this.#term;
    return t !== undefined && !t.controller.signal.aborted && t.lock.isHeld;
  }

  /** The current leadership's fencing token while this candidate leads; undefined otherwise. */
  get term(): bigint | undefined {
    return this.isLeader ? this.#term!.token : undefined;
  }

  /** Aborted when this candidate stops leading (already aborted when it does not lead). */
  get signal(): AbortSignal {
    const t = this.#term;
    if (t === undefined || !this.isLeader) return NOT_LEADER;
    return t.signal;
  }

  /** Whether the campaign is running (between start() and stop()). */
  get campaigning(): boolean {
    return this.#campaign !== undefined;
  }

  /** Campaigns in the background until stop(). Idempotent. */
  start(): this {
    if (this.#campaign !== undefined) return this;
    this.#ctx.assertOpen();
    const campaign = new AbortController();
    this.#campaign = campaign;
    this.#ctx.services.add(this);
    this.#loop = this.#run(campaign.signal).catch((error: unknown) => {
      // Not expected (listeners cannot throw into the loop); never leave a term behind.
      debug('election %s: %s', this.name, String(error));
      void this.#term?.lock.release().catch(() => undefined);
      this.#term = undefined;
      if (this.#campaign === campaign) {
        this.#campaign = undefined;
        this.#ctx.services.delete(this);
      }
    });
    return this;
  }

  /** Stops campaigning; a leader resigns at once (its lock is released). Resolves when done. */
  async stop(): Promise<void> {
    const campaign = this.#campaign;
    if (campaign === undefined) return this.#loop;
    this.#campaign = undefined;
    this.#ctx.services.delete(this);
    campaign.abort();
    await this.#loop;
  }

  /**
   * The current leader's id, as a quorum of instances sees it; null when nobody leads.
   * QuorumError when too few servers answer to tell.
   */
  async leader(): Promise<string | null> {
    this.#ctx.assertOpen();
    const info = await inspect(this.#ctx, this.#resource);
    return info.held ? info.owner : null;
  }

  /**
   * Leader changes as they are observed, starting with the current leader. Ends when `signal`
   * aborts. Works without campaigning too: it then follows the announcements of new leaders,
   * the election lock's release messages, and looks every retryDelay (a leader that crashed
   * announces nothing).
   */
  async *observe(signal?: AbortSignal): AsyncGenerator<string | null, void, undefined> {
    const changes = on(this, 'leader', { signal });
    const stopWatching = this.#campaign === undefined ? await this.#watch() : undefined;
    try {
      // (Not yet known when too few servers answer: the first change tells it, then.)
      let last = this.#leader ?? (await this.#leaderIfKnown());
      if (last !== undefined) yield last;
      // (A change is a new leader: the first look after the one above may find the same.)
      for await (const [id] of changes) {
        if (id === last) continue;
        last = id as string | null;
        yield last;
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      stopWatching?.();
      await changes.return?.(); // a consumer that stops early must not leave the listener queueing
    }
  }

  /** leader(), or undefined when too few servers answer to tell. */
  async #leaderIfKnown(): Promise<string | null | undefined> {
    try {
      return await this.leader();
    } catch (error) {
      if (error instanceof QuorumError) return undefined;
      throw error;
    }
  }

  /** Follows the leader without campaigning (for observe()); returns the function that stops it. */
  async #watch(): Promise<() => void> {
    const prefix = this.#ctx.options.keyPrefix;
    const refresh = (): void => {
      if (this.#campaign !== undefined) return; // the campaign follows it itself
      this.leader().then(
        (id) => this.#observe(id),
        (error: unknown) => debug('election %s: observe: %s', this.name, String(error)),
      );
    };
    const unlisten = await this.#ctx.wakeup.listen(leaderChannel(prefix, this.name), (payload) => {
      const { id, named } = parseAnnouncement(payload);
      if (this.#campaign === undefined && named) this.#observe(id);
    });
    const unlistenRelease = await this.#ctx.wakeup.listen(releaseChannel(prefix, this.#resource), refresh);
    const timer = setInterval(refresh, this.#o.retryDelay);
    timer.unref();
    return () => {
      clearInterval(timer);
      unlisten();
      unlistenRelease();
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #run(signal: AbortSignal): Promise<void> {
    const unlisten = await this.#ctx.wakeup.listen(leaderChannel(this.#ctx.options.keyPrefix, this.name), (payload) => {
      const { term, id } = parseAnnouncement(payload);
      if (term <= this.#highestTerm) return; // another instance's copy, or a late one of an older term
      this.#highestTerm = term;
      this.#observe(id);
    });
    try {
      void this.#refreshLeader(signal);
      while (!signal.aborted) {
        const lock = await this.#candidate(signal);
        if (lock === undefined) continue;
        if (signal.aborted) {
          await lock.release().catch(() => undefined);
          return;
        }
        await this.#lead(lock, signal);
        if (!signal.aborted) void this.#refreshLeader(signal); // who leads now? (an announcement may have come first)
      }
    } finally {
      unlisten();
    }
  }

  /** One stretch of waiting for the lock: the Lock, or undefined to go round again. */
  async #candidate(signal: AbortSignal): Promise<Lock | undefined> {
    const o = this.#o;
    const options = {
      ttl: o.ttl,
      fence: true,
      autoExtend: true,
      // In stretches of two ttls, so that Redis trouble surfaces as campaignError.
      wait: 2 * o.ttl,
      retryDelay: o.retryDelay,
      retryJitter: Math.min(this.#ctx.options.retryJitter, o.retryDelay),
      signal,
    };
    try {
      return (await acquire(this.#ctx, [this.#resource], options, false, o.id))!;
    } catch (error) {
      if (signal.aborted) return undefined;
      if (error instanceof ClosedError) {
        // The Redlock is closing: it stops this campaign next; wait for that, without spinning.
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return undefined;
      }
      if (error instanceof LockTimeoutError && error.cause === undefined) return undefined; // another leads: wait on
      safeEmit(this, 'campaignError', error as Error);
      await sleep(o.retryDelay, signal).catch(() => undefined);
      return undefined;
    }
  }

  async #lead(lock: Lock, campaign: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const term: Term = { lock, token: lock.fencingToken!, controller, signal: AbortSignal.any([controller.signal, lock.signal]) };
    this.#term = term;
    if (term.token > this.#highestTerm) this.#highestTerm = term.token;
    safeEmit(this, 'elected', { term: term.token, id: this.id });
    this.#ctx.telemetry.leader(this.name, true);
    this.#observe(this.id);
    announce(this.#ctx, this.name, term.token, this.id);
    const end = await termEnd(lock, campaign, this.#o.ttl, this.name);
    const at = end.reason === 'resigned' || end.early ? Date.now() : Math.min(Date.now(), lock.expiresAt);
    controller.abort(end.error ?? new Error(`resigned the leadership of ${this.name}`));
    this.#term = undefined;
    // Resigning: release (which wakes a waiting candidate at once) right after `demoted`; a
    // lost lock was freed already. The release happens whatever the listeners do.
    const released =
      end.reason === 'resigned' || end.early
        ? lock.release().catch((error: unknown) => {
            debug('resign %s: %s', this.name, String(error));
            return true; // (unknown: the servers did not answer; not a loss we saw)
          })
        : undefined;
    safeEmit(this, 'demoted', {
      reason: end.reason,
      term: term.token,
      ...(end.error ? { error: end.error } : {}),
      at,
      ...(released ? { released } : {}),
    });
    this.#ctx.telemetry.leader(this.name, false);
    this.#observe(null);
    await released;
  }

  async #refreshLeader(signal: AbortSignal): Promise<void> {
    const before = this.#highestTerm; // an announcement meanwhile is newer than what we read
    try {
      let id = await this.leader();
      if (signal.aborted || this.#highestTerm !== before || this.#term !== undefined) return;
      // Our own lost lock may still be there a moment: we do not lead, whatever it says.
      if (id === this.id) id = null;
      this.#observe(id);
    } catch (error) {
      if (!signal.aborted) safeEmit(this, 'campaignError', error as Error);
    }
  }

  #observe(id: string | null): void {
    if (id === this.#leader) return;
    this.#leader = id;
    safeEmit(this, 'leader', id);
  }
}
