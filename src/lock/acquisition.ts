/**
 * One acquisition's attempts until the wait budget runs out (lock/acquire.ts): its state —
 * attempts, the release channels it listens on, its claim in the lock's line, the split
 * votes in a row — and the steps of each round: attempt, then either the won lock or what a
 * failure means (give up, subscribe and try again at once, or wait for a wake-up).
 */
import { debuglog } from 'node:util';
import type { Handoff } from '../core/claims.js';
import { type Context, drift } from '../core/context.js';
import { assertOneSlot } from '../core/slot.js';
import { LockTimeoutError, QuorumError, list, type InstanceOutcome } from '../errors.js';
import { handoffChannel, queued, releaseChannel } from '../keys.js';
import type { ResolvedAcquire } from '../options/index.js';
import { classify, made, outcomeOf, pause, refusedByReleased, summary } from './attempt-result.js';
import { Coverage } from './coverage.js';
import { PLAIN, type KindAttempt, type LockOps } from './kind.js';
import { leave, leaveAfterWin, newClaim, type Claim } from './line.js';
import { Lock } from './lock.js';
import * as ops from './ops.js';
import { lockValue } from './value.js';

const debug = debuglog('tenure');

/** What a caller other than the plain lock passes: its kind's ops, and a look at each attempt. */
export interface AcquireExtra {
  /** @default the plain lock's (lock/kind.ts) */
  readonly ops?: LockOps;
  /** Called with every attempt's result (tryLock reports the last one's outcomes). */
  readonly attempted?: (a: KindAttempt) => void;
}

/** A round that decided nothing: go round again. */
const AGAIN = Symbol('again');

/**
 * The least validity a hand-off must have left for its waiter to take it as handed (else it
 * confirms with an attempt first): the confirmation's round trip must come well within it.
 */
const MIN_HANDOFF_MS = 50;

export class Acquisition {
  readonly #ctx: Context;
  readonly #resources: readonly string[];
  readonly #o: ResolvedAcquire;
  readonly #nullWhenHeld: boolean;
  readonly #owner: string;
  readonly #extra: AcquireExtra;
  readonly #kind: LockOps;
  readonly #started: number;
  #attempts = 0;
  #channels: string[] | undefined;
  #channelNames: string[] | undefined;
  #splits = 0;
  /**
   * A waiter on one resource takes a place in the lock's line (lock/line.ts Claim), so that a
   * release hands it the lock when its turn comes. (On several resources it is in no line,
   * only marked present, so that releases are told.) It takes its claim with its first
   * failure — or before its first attempt when its channel is subscribed already (the lock
   * is contended in this process): then that attempt, if refused, is in line at once. An
   * uncontended acquisition pays nothing for the line.
   */
  readonly #lineable: boolean;
  #claim: Claim | undefined;
  /** A refused attempt carried the claim: it is in line somewhere. */
  #enqueued = false;
  /** Attempts that carried the claim, and when the first of them started (monotonic ms). */
  #claimAttempts = 0;
  #claimSince = 0;
  /**
   * Whether a hand-off may be taken as handed (#handed): a plain lock without a fencing token
   * (the token comes from an attempt), no restart quarantine or replicaSync (whose checks are
   * made by an attempt), and no keeper thread (it is there for a loop that blocks, which
   * could keep the confirmation's answer from this thread past the hand-off's short validity).
   */
  readonly #direct: boolean;
  #won = false;
  /** Counted in tenure.lock.waiting (core/telemetry.ts). */
  #counted = false;
  readonly #span: ReturnType<Context['telemetry']['startSpan']> | undefined;

  constructor(ctx: Context, resources: readonly string[], o: ResolvedAcquire, nullWhenHeld: boolean, owner: string, extra: AcquireExtra) {
    this.#ctx = ctx;
    this.#resources = resources;
    this.#o = o;
    this.#nullWhenHeld = nullWhenHeld;
    this.#owner = owner;
    this.#extra = extra;
    this.#kind = extra.ops ?? PLAIN;
    this.#started = ctx.options.clock.now();
    this.#lineable = o.wait > 0 && this.#kind === PLAIN && resources.every(queued);
    const { restartQuarantine, replicaSync } = ctx.options;
    this.#direct =
      this.#lineable && resources.length === 1 && !o.fence && restartQuarantine === 0 && replicaSync === 0 && ctx.thread === undefined;
    const listened = this.#lineable && ctx.wakeup.listeningAny && ctx.wakeup.listening(this.#names());
    this.#claim = listened ? newClaim(ctx, owner, o) : undefined;
    this.#span = ctx.telemetry.tracing ? ctx.telemetry.startSpan(resources) : undefined;
  }

  /** The lock, or null (tryAcquire, held); LockTimeoutError, QuorumError, ClosedError, an abort. */
  async run(): Promise<Lock | null> {
    const ctx = this.#ctx;
    const resources = this.#resources;
    if (resources.length > 1 && this.#kind === PLAIN) {
      // A lock's script runs on one node of a Cluster: its keys must share a hash slot.
      const cluster = ctx.instances.find((i) => i.cluster);
      if (cluster !== undefined) assertOneSlot(resources, ops.lockKeys(ctx, resources), cluster.label);
    }
    try {
      for (;;) {
        const result = await this.#round();
        if (result !== AGAIN) return result;
      }
    } catch (error) {
      if (ctx.telemetry.active)
        ctx.telemetry.failed(resources, this.#started, this.#attempts, outcomeOf(error, this.#o), error, this.#span);
      throw error;
    } finally {
      this.#finish();
    }
  }

  /** One attempt, and what it decides. */
  async #round(): Promise<Lock | null | typeof AGAIN> {
    const ctx = this.#ctx;
    this.#o.signal?.throwIfAborted();
    ctx.assertOpen();
    this.#attempts++;
    const claim = this.#claim;
    if (claim !== undefined && this.#claimAttempts === 1 && this.#direct) {
      const handoff = ctx.wakeup.handoff(claim.value);
      const lock = handoff === undefined ? undefined : this.#handed(claim, handoff);
      if (lock !== undefined) return lock;
    }
    if (claim !== undefined && this.#claimAttempts++ === 0) this.#claimSince = ctx.options.clock.now();
    // A fresh value per attempt: an undo of an earlier attempt's late yes can never touch
    // the keys of a later attempt that succeeded.
    const value = lockValue(this.#owner);
    // (A claim made before the first attempt: its channels are subscribed already.)
    const channels = this.#channels ?? (claim !== undefined ? this.#names() : undefined);
    const since = channels !== undefined ? ctx.wakeup.generation(channels, claim?.value) : undefined;
    // Servers a won attempt does not hold are covered in the background (lock/coverage.ts).
    const coverage = ctx.instances.length > 1 ? new Coverage(ctx, value, this.#kind) : undefined;
    // The first attempt of an acquisition that waits may be a plain SET NX (lock/ops.ts attempt).
    const plain = this.#attempts === 1 && this.#o.wait > 0;
    const a = await this.#kind.attempt(ctx, this.#resources, value, this.#o.ttl, this.#o.fence, coverage, claim, plain);
    this.#extra.attempted?.(a);
    return a.ok ? this.#took(a, value, coverage) : this.#refused(a, since);
  }

  /**
   * A quorum of servers handed the lock to this waiter's claim (release-one.lua): the lock is
   * taken as handed, with no round trip before it is held. Each of those servers set the key
   * to the claim for `handoff.ms` when its release ran — after the claim was in its line, so
   * after the first attempt that carried the claim started — and only an attempt carrying the
   * claim takes a key from it: with that attempt the only one so far, the key holds the claim
   * there until at least #claimSince + ms (less the drift). The lock is valid until then; an
   * attempt sent at once makes the keys its own for its ttl (lock/lock.ts confirm) — before
   * the caller's code runs (which may block the event loop at once), and before anything the
   * lock sends, on the same connections. Undefined (an attempt instead)
   * when too little of that validity is left, or a quorum of the servers do not vote now.
   */
  #handed(claim: Claim, handoff: Handoff): Lock | undefined {
    const ctx = this.#ctx;
    const o = this.#o;
    const resources = this.#resources;
    const outcomes: InstanceOutcome[] = [];
    let votes = 0;
    for (const instance of ctx.instances) {
      const voted = handoff.from.has(instance) && instance.health.votes;
      if (voted) votes++;
      outcomes.push({ instance: instance.label, status: voted ? 'acquired' : 'pending' });
    }
    const ms = Math.min(handoff.ms, o.ttl);
    const validUntil = this.#claimSince + ms - drift(ctx, ms);
    if (votes < ctx.quorum || validUntil - ctx.options.clock.now() < MIN_HANDOFF_MS) return undefined;
    ctx.assertOpen();
    const value = lockValue(this.#owner);
    const coverage = ctx.instances.length > 1 ? new Coverage(ctx, value, PLAIN) : undefined;
    this.#won = true;
    // The confirmation: the claim's keys become the lock's (acquire.lua takes a key holding
    // the claim as free), for its ttl; the servers that did not hand it over are covered.
    const resource = resources[0]!;
    const confirmed = this.#kind.attempt(ctx, resources, value, o.ttl, false, coverage, claim, false).then(
      (a) => {
        if (a.ok) leaveAfterWin(ctx, resource, claim, a);
        else leave(ctx, resource, claim, true);
        return a;
      },
      (error: unknown) => {
        leave(ctx, resource, claim, true);
        throw error;
      },
    );
    const lock = new Lock(ctx, {
      resources,
      value,
      owner: this.#owner,
      ttl: o.ttl,
      validUntil,
      token: undefined,
      autoExtend: o.autoExtend,
      coverage,
      ops: this.#kind,
      outcomes,
      claim: claim.value,
    });
    lock.confirm(confirmed, o.ttl);
    coverage?.attach(lock);
    ctx.live.add(lock);
    if (debug.enabled)
      debug(
        'acquired %s as handed over (%d attempts), valid for %d ms until confirmed',
        list(resources),
        this.#attempts - 1,
        lock.remaining(),
      );
    if (ctx.telemetry.active) ctx.telemetry.acquired(lock, this.#started, this.#attempts - 1, this.#span);
    return lock;
  }

  /** A won attempt: the Lock, or AGAIN when publishing its fencing token took the validity. */
  async #took(a: KindAttempt, value: string, coverage: Coverage | undefined): Promise<Lock | typeof AGAIN> {
    const ctx = this.#ctx;
    const resources = this.#resources;
    if (this.#enqueued && resources.length === 1) leaveAfterWin(ctx, resources[0]!, this.#claim!, a);
    this.#won = true;
    const claim = this.#enqueued ? this.#claim?.value : undefined;
    const lock = await made(ctx, a.resources ?? resources, value, this.#owner, this.#o, a, coverage, this.#kind, claim);
    if (lock) {
      try {
        ctx.assertOpen(); // closed meanwhile: hand nothing out
      } catch (error) {
        await lock.release().catch(() => undefined);
        throw error;
      }
      if (debug.enabled) {
        const ms = Math.round(ctx.options.clock.now() - this.#started);
        const n = this.#attempts;
        debug('acquired %s in %d ms (%d attempt%s), valid for %d ms', list(resources), ms, n, n === 1 ? '' : 's', lock.remaining());
      }
      if (ctx.telemetry.active) ctx.telemetry.acquired(lock, this.#started, this.#attempts, this.#span);
      return lock;
    }
    // Publishing the token took the whole validity: it was released; go round again.
    if (this.#nullWhenHeld || ctx.options.clock.now() - this.#started >= this.#o.wait) {
      throw new QuorumError(
        `acquired ${list(resources)} too slowly: no validity left after its fencing token (raise the ttl)`,
        resources,
        a.ballot.outcomes,
        ctx.quorum,
      );
    }
    this.#won = false;
    return AGAIN;
  }

  /** A failed attempt: give up (null or an error), or wait for the next round. */
  async #refused(a: KindAttempt, since: number | undefined): Promise<null | typeof AGAIN> {
    const ctx = this.#ctx;
    const resources = this.#resources;
    const t = ctx.telemetry;
    // Two endpoints turned out to be one server: refuse, naming both.
    if (ctx.monitor.refused !== undefined) throw ctx.monitor.refused;
    const failure = classify(ctx, resources, a);
    if (this.#claim !== undefined) this.#enqueued = true;
    if (failure.error && (failure.permanent || this.#nullWhenHeld)) throw failure.error;
    if (t.active && !failure.error) t.contended(resources, this.#attempts, a.ballot.outcomes);
    const waited = ctx.options.clock.now() - this.#started;
    const left = this.#o.wait - waited;
    if (left <= 0) {
      if (this.#nullWhenHeld) {
        if (t.active) t.failed(resources, this.#started, this.#attempts, 'timeout', undefined, this.#span);
        return null;
      }
      throw new LockTimeoutError(resources, a.ballot.outcomes, this.#attempts, Math.round(waited), { cause: failure.error });
    }
    if (this.#channels === undefined && !failure.error && !(await this.#listen())) return AGAIN;
    await this.#pause(a, left, since);
    return AGAIN;
  }

  /**
   * First failure: listen for releases. False when the caller should try again at once (a
   * release may have come between the attempt and the subscription) — true when the channel
   * was subscribed already and the attempt took a place in line: a release since is heard.
   */
  async #listen(): Promise<boolean> {
    const ctx = this.#ctx;
    const channels = this.#names();
    this.#channels = channels;
    if (ctx.telemetry.active) ctx.telemetry.waiting(this.#resources, 1);
    this.#counted = ctx.telemetry.active;
    const heard = this.#claim !== undefined && ctx.wakeup.listening(channels);
    if (this.#lineable) this.#claim ??= newClaim(ctx, this.#owner, this.#o);
    await ctx.wakeup.subscribe(channels);
    return heard;
  }

  /**
   * Sleeps until a wake-up or the pause is over. A split vote, or a refusal only by a holder
   * whose release was heard already (its copies from the other servers are still on their
   * way, and would be taken for the same release: no wake-up would come): a short pause, not
   * a retry delay.
   */
  async #pause(a: KindAttempt, left: number, since: number | undefined): Promise<void> {
    const ctx = this.#ctx;
    const channels = this.#channels;
    const claim = this.#claim?.value;
    const gone =
      channels !== undefined &&
      this.#kind === PLAIN &&
      refusedByReleased(ctx, this.#resources.length === 1 ? channels[0]! : undefined, a.ballot);
    // (A yes beside servers in restart quarantine is no split: they refuse anyone until it
    // has passed, and the pause waits for that — pause() — not a re-roll's few ms.)
    const quarantined = a.ballot.outcomes.some((o) => o.status === 'quarantined');
    this.#splits = (a.ballot.yes > 0 && !quarantined) || gone ? this.#splits + 1 : 0;
    const delay = Math.min(pause(this.#o, a, this.#splits), left);
    if (debug.enabled) debug('waiting for %s: %s; next attempt within %d ms', list(this.#resources), summary(a), Math.round(delay));
    const before = channels === undefined ? 0 : ctx.wakeup.generation(channels, claim);
    await ctx.wakeup.wait(channels ?? [], delay, this.#o.signal, since ?? before, claim);
    if (debug.enabled && channels !== undefined && ctx.wakeup.generation(channels, claim) !== before)
      debug('woken by a release of %s', list(this.#resources));
  }

  /**
   * The release channels of the resources, and for a waiter in line, its Redlock's hand-off
   * channel of that lock (keys.ts handoffChannel), where it is told its turn. Made once: the
   * constructor may ask, then #listen.
   */
  #names(): string[] {
    if (this.#channelNames !== undefined) return this.#channelNames;
    const ctx = this.#ctx;
    const names = this.#resources.map((r) => releaseChannel(ctx.options.keyPrefix, r));
    if (this.#lineable && names.length === 1) names.push(handoffChannel(names[0]!, ctx.wakeup.tag));
    return (this.#channelNames = names);
  }

  /** Stops listening; a claim that gave up leaves the line everywhere. */
  #finish(): void {
    const ctx = this.#ctx;
    if (this.#channels !== undefined) ctx.wakeup.unsubscribe(this.#channels);
    if (this.#counted) ctx.telemetry.waiting(this.#resources, -1);
    const claim = this.#claim;
    if (claim === undefined) return;
    ctx.wakeup.unclaim(claim.value);
    // Gave up (timeout, abort, close, an error): out of line everywhere, and a lock handed
    // to this claim meanwhile goes on to the next waiter.
    if (!this.#won && this.#enqueued && this.#resources.length === 1) leave(ctx, this.#resources[0]!, claim, true);
  }
}
