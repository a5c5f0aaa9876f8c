/**
 * A held lock.
 *
 * Safety model: a lock is valid until its validity runs out on this process's monotonic
 * clock (ttl − acquisition time − drift), assuming the Redis servers' clocks advance at
 * about the same rate (drift factor). `isHeld` and `remaining()` are computed when read,
 * not by a timer, so code that checks right after blocking the event loop learns the truth
 * at once. A TTL alone cannot stop a holder that pauses and resumes writing after expiry:
 * for that, use the fencing token (`fence: true`, `lock.fence()`) and check it where you
 * write.
 */
import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
import { type Context, drift } from '../core/context.js';
import { LockLostError, QuorumError, list } from '../errors.js';
import { MIN_TTL, duration } from '../args.js';
import { withinQuarantine, withinStall } from '../options/index.js';
import type { InstanceOutcome } from '../errors.js';
import type { Coverage } from './coverage.js';
import { encodeHandle } from './handle.js';
import { Keeping, type Kept } from './keeping.js';
import { PLAIN, type LockKind, type LockOps } from './kind.js';
import type * as ops from './ops.js';

const debug = debuglog('tenure');

export interface LockInit {
  readonly resources: readonly string[];
  readonly value: string;
  readonly owner: string;
  readonly ttl: number;
  /** Monotonic time the lock is valid until. */
  readonly validUntil: number;
  readonly token: bigint | undefined;
  readonly autoExtend: boolean;
  /** Keeps trying the servers that do not hold the lock yet (N > 1). */
  readonly coverage?: Coverage;
  /** What this kind of lock does on the servers. @default the plain lock's */
  readonly ops?: LockOps;
  /** Each server's answer to the winning attempt (or to an adoption's first extend). */
  readonly outcomes?: readonly InstanceOutcome[];
  /** The claim the lock was waited for with (lock/ops.ts Claim): out of line on release. */
  readonly claim?: string;
}

type State = 'held' | 'released' | 'lost';

export class Lock extends EventEmitter implements AsyncDisposable {
  /** The resources this lock holds (all or nothing). */
  readonly resources: readonly string[];
  /** The random value that proves ownership in Redis. */
  readonly value: string;
  /** The owner label (host/pid by default), shown by inspect and `tenure status`. */
  readonly owner: string;
  /**
   * Each server's answer to the attempt that took the lock, in endpoint order (RedLock.net's
   * lock state): `acquired`, `held` (by another), `quarantined`, `suspect`, `error` (with the
   * error; a CommandTimeoutError when it did not answer in time), or `pending` — no answer yet
   * when the quorum had decided (full coverage keeps trying that server).
   */
  readonly outcomes: readonly InstanceOutcome[];
  readonly #ctx: Context;
  readonly #ops: LockOps;
  /** The ttl asked for last (at acquisition, or by a manual extend): renewals keep it. */
  #ttl: number;
  #state: State = 'held';
  #token: bigint | undefined;
  #fencing: Promise<bigint> | undefined;
  #controller: AbortController | undefined;
  readonly #keeping: Keeping;
  #lostError: LockLostError | undefined;
  #releasing: Promise<boolean> | undefined;
  /** Set by the first release attempt: whether the lock was believed held then. */
  #believedAtRelease: boolean | undefined;
  /** The release attempts so far (more than one after a QuorumError): their answers count together. */
  #releases: ops.Release[] | undefined;
  readonly #coverage: Coverage | undefined;
  readonly #claim: string | undefined;
  /**
   * Set while the confirmation of a lock taken as handed over is on its way (confirm()):
   * what the lock does that depends on its validity waits for it, and running out of the
   * claim's validity meanwhile is not yet a loss (its answer may be waiting to be read).
   */
  #confirming: Promise<void> | undefined;

  /** @internal Locks are made by Redlock.acquire / tryAcquire / using. */
  constructor(ctx: Context, init: LockInit) {
    super();
    this.#ctx = ctx;
    this.resources = init.resources;
    this.value = init.value;
    this.owner = init.owner;
    this.outcomes = init.outcomes ?? [];
    this.#ops = init.ops ?? PLAIN;
    this.#ttl = init.ttl;
    this.#token = init.token;
    this.#coverage = init.coverage;
    this.#claim = init.claim;
    // What its keeping sees of it (lock/keeping.ts).
    const kept: Kept = {
      ctx,
      ops: this.#ops,
      resources: this.resources,
      value: this.value,
      coverage: this.#coverage,
      held: () => this.#state === 'held',
      remaining: () => this.remaining(),
      ttl: () => this.#ttl,
      extend: () => this.extend(),
      lose: (reason, outcomes, cause) => void (reason === 'expired' ? this.#expire(outcomes, cause) : this.#lose(reason, outcomes, cause)),
      extended: (left) => void this.emit('extended', left),
    };
    this.#keeping = new Keeping(kept, init.validUntil);
    if (init.autoExtend) this.#keeping.keep(Math.max(1, Math.floor(init.ttl / 3)));
  }

  /** Milliseconds of validity left, computed now on the monotonic clock (0 once released or lost). */
  remaining(): number {
    if (this.#state !== 'held') return 0;
    return this.#keeping.left();
  }

  /** Whether the lock is still valid, computed now. */
  get isHeld(): boolean {
    return this.remaining() > 0;
  }

  /** Wall-clock time (ms since the epoch) the validity runs out, as estimated locally. */
  get expiresAt(): number {
    return this.#keeping.expiresAt;
  }

  /** The fencing token, once issued (`fence: true` at acquisition, or after `fence()`). */
  get fencingToken(): bigint | undefined {
    return this.#token;
  }

  /** How many times it was extended so far (manual and automatic renewals). */
  get extensions(): number {
    return this.#keeping.extensions;
  }

  /** What kind of lock it is: a plain lock (also a semaphore's permit), or a read-write lock's side. */
  get kind(): LockKind {
    return this.#ops.kind;
  }

  /**
   * What another process needs to adopt this lock (`redlock.adopt(resource, handle)`): its
   * kind, resources, value, ttl and fencing token, as one opaque string. Whoever has it can
   * extend and release the lock: pass it only to processes you trust with the lock.
   */
  get handle(): string {
    return encodeHandle({ kind: this.#ops.kind, resources: this.resources, value: this.value, ttl: this.#ttl, token: this.#token });
  }

  /** Why the lock was lost, once it was. */
  get lostError(): LockLostError | undefined {
    return this.#lostError;
  }

  /** Aborted with a LockLostError when the lock is lost (expired, taken, or not extended). */
  get signal(): AbortSignal {
    // Read after a blocked event loop, it tells the truth at once, as isHeld does.
    if (this.#state === 'held' && !this.#lostError && this.remaining() <= 0) this.#expire([]);
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#lostError) this.#controller.abort(this.#lostError);
      else if (this.#state === 'held') this.#keeping.keep(null); // watch for expiry from now on
    }
    return this.#controller.signal;
  }

  /**
   * The fencing token: computed once (two round trips on N instances, one on a single
   * instance) and cached. Throws LockLostError when the lock no longer holds a quorum.
   */
  fence(): Promise<bigint> {
    if (this.#token !== undefined) return Promise.resolve(this.#token);
    this.#fencing ??= this.#computeFence().finally(() => (this.#fencing = undefined));
    return this.#fencing;
  }

  async #computeFence(): Promise<bigint> {
    if (this.#confirming !== undefined) await this.#confirming;
    this.#assertHeld('fence');
    const phase1 = await this.#ops.fencePhase(this.#ctx, this.resources, this.value, 'next', 0n);
    this.#checkQuorum(phase1.ballot, 'issue a fencing token for');
    const token = phase1.token;
    if (this.#ctx.instances.length > 1) {
      this.#assertHeld('fence'); // paused between the phases past the validity: lost, no token

      const phase2 = await this.#ops.fencePhase(this.#ctx, this.resources, this.value, 'raise', token);
      this.#checkQuorum(phase2.ballot, 'publish the fencing token of');
    }
    this.#assertHeld('fence');
    this.#token = token;
    return token;
  }

  /**
   * Extends the lock to `ttl` ms from now (default: the ttl it was acquired with).
   * Throws LockLostError when a quorum no longer holds it, QuorumError when too many
   * instances failed to answer (the lock stays valid until its current validity runs out).
   */
  async extend(ttl?: number): Promise<void> {
    const t = withinQuarantine('ttl', duration('ttl', ttl, this.#ttl, MIN_TTL), this.#ctx.options);
    if (this.#keeping.renews) withinStall('ttl', t, this.#ctx.options); // its renewals must fit in maxStall
    // (After a hand-off's confirmation: its answer sets the validity this one then changes.)
    if (this.#confirming !== undefined) await this.#confirming;
    this.#assertHeld('extend');
    const start = this.#ctx.options.clock.now();
    const ballot = await this.#ops.extend(this.#ctx, this.resources, this.value, t, this.#coverage);
    if (ballot.verdict !== 'quorum') this.#keeping.takeBackRetakes(ballot.outcomes);
    this.#checkQuorum(ballot, 'extend');
    // (see ops.extend: the same for the servers that answered before the decision)
    ballot.outcomes.forEach((o, i) => {
      if (o.status === 'not-held') this.#coverage?.miss(i);
    });
    const validUntil = start + t - drift(this.#ctx, t);
    if (this.#state !== 'held' || validUntil <= this.#ctx.options.clock.now()) {
      throw this.#lose('expired', ballot.outcomes);
    }
    this.#keeping.extendTo(validUntil);
    if (debug.enabled) debug('extended %s: valid for %d ms', list(this.resources), this.remaining());
    if (t !== this.#ttl) {
      // Renewals keep the ttl asked for last, every third of it.
      this.#ttl = t;
      if (this.#keeping.renews && this.#keeping.running) {
        this.#keeping.stop();
        this.#keeping.keep(Math.max(1, Math.floor(t / 3)));
      }
    }
    this.#keeping.poke();
    this.emit('extended', this.remaining());
  }

  /**
   * Releases the lock on every instance. Resolves true if it was still held (a quorum
   * deleted it), false if it had already expired, been lost or released (idempotent). When
   * it was believed held but no quorum of servers had it at the release — a quorum found it
   * gone (taken by another, or lost by a server between renewals), or, after waiting up to
   * 2 × commandTimeout (at least 1 s) for the answers still on their way, still no quorum
   * either way — the lock is marked lost (`lostError`, `signal`, 'lost'): a loss is never
   * hidden. Throws QuorumError when too many instances gave no answer to tell; the lock then
   * counts as still held: calling release() again tries again (every attempt's answers
   * count together), and close() releases it.
   */
  release(): Promise<boolean> {
    if (this.#state === 'released') return Promise.resolve(false);
    this.#releasing ??= this.#release().finally(() => (this.#releasing = undefined));
    return this.#releasing;
  }

  async #release(): Promise<boolean> {
    // A renewal on its way first: it re-takes keys a server lost, which this release would
    // then delete and count as held — its answer may say the lock is lost.
    const renewing = this.#believedAtRelease === undefined ? this.#keeping.idle() : undefined;
    if (renewing !== undefined) await renewing;
    // A retry after a failed release answers for the first attempt, with every attempt's
    // answers together (what the servers that failed then were sent is swept to them since).
    const believed = (this.#believedAtRelease ??= this.#state === 'held' && (this.isHeld || this.#confirming !== undefined));
    this.#keeping.stop(); // no more renewals, whatever the outcome
    this.#coverage?.stop(); // nor covers: one sent after the release would set the key again
    const ballot = await this.#ops.release(this.#ctx, this.resources, this.value, this.#ttl, this.#claim);
    const attempts = (this.#releases ??= []);
    attempts.push(ballot);
    const ctx = this.#ctx;
    const quorum = ctx.quorum;
    const n = ctx.instances.length;
    // A server counts as released when any attempt deleted the value there (it was ours
    // then), as gone when one found it missing and none deleted it.
    const count = (): { yes: number; no: number } => {
      let yes = 0;
      let no = 0;
      for (let i = 0; i < n; i++) {
        const said = attempts.map((a) => a.answer(i));
        if (said.includes('released')) yes++;
        else if (said.includes('not-held')) no++;
      }
      return { yes, no };
    };
    let { yes, no } = count();
    if (believed && yes < quorum && no <= n - quorum) {
      // Undecided (a server stalled, timed out, or its connection failed): the answers still
      // on their way decide — late ones, and sweeps once a connection is back — if they come
      // within the time a stalled connection gets before it is reset (core/instance.ts).
      await ballot.settle(Math.max(2 * ctx.options.commandTimeout, 1_000));
      ({ yes, no } = count());
    }
    const unknown = n - yes - no;
    if (yes < quorum && (believed ? no === 0 && unknown > n - quorum : ballot.verdict === 'unreachable')) {
      // Nothing tells: too many failed to answer. Still counted as held: release() again
      // (which counts these answers too), or close(), tries again.
      throw new QuorumError(`could not confirm the release of ${list(this.resources)}`, this.resources, ballot.outcomes, quorum);
    }
    const wasHeld = this.#state === 'held';
    this.#state = 'released';
    ctx.live.delete(this);
    if (yes >= quorum || !believed) {
      if (wasHeld) ctx.telemetry.released(this);
      if (debug.enabled) debug('released %s', list(this.resources));
      return believed && yes >= quorum;
    }
    // Believed held, but no quorum of servers had it at the release: a loss is never hidden.
    if (!this.#lostError) {
      const why =
        no > n - quorum
          ? 'a quorum of instances no longer held it when it was released (taken by another, or lost by a server since the last renewal)'
          : 'no quorum of instances was found still holding it when it was released (some found it gone, the others did not answer in time): its work may not have been protected to the end';
      const error = new LockLostError(`lost the lock on ${list(this.resources)}: ${why}`, this.resources, ballot.outcomes);
      this.#lostError = error;
      this.#controller?.abort(error);
      ctx.telemetry.lost(this, 'taken', error);
      if (debug.enabled) debug('lost %s: found gone at release', list(this.resources));
      this.emit('lost', error);
    }
    return false;
  }

  /**
   * @internal A lock taken as a release handed it over (lock/acquisition.ts): valid on the
   * hand-off's claim until `confirmed` — the attempt, sent before the lock was handed out,
   * that makes the keys its own — says; then for `ttl` from that attempt's start, or lost
   * when it did not win. Sent before the caller's code runs, it reaches the servers even if
   * that code blocks the event loop at once: only this process's view waits for its answer.
   */
  confirm(confirmed: Promise<ops.Attempt>, ttl: number): void {
    const settled = confirmed.then(
      (a) => {
        this.#confirming = undefined;
        if (this.#state !== 'held') return;
        if (!a.ok) return void this.#lose('taken', a.ballot.outcomes);
        // (Never shorter: a renewal sent after it may have been read first.)
        const validUntil = a.start + ttl - drift(this.#ctx, ttl);
        if (validUntil > this.#ctx.options.clock.now() + this.#keeping.left()) this.#keeping.extendTo(validUntil, false);
        if (this.remaining() <= 0) return void this.#lose('expired', a.ballot.outcomes);
        this.#keeping.poke();
      },
      (error: unknown) => {
        this.#confirming = undefined;
        if (this.#state === 'held') this.#lose('taken', [], error);
      },
    );
    this.#confirming = settled;
  }

  /**
   * The validity ran out: lost — unless a hand-off's confirmation is on its way, whose answer
   * (perhaps already waiting to be read, after a blocked event loop) decides.
   */
  #expire(outcomes: ops.Attempt['ballot']['outcomes'], cause?: unknown): void {
    if (this.#confirming === undefined) return void this.#lose('expired', outcomes, cause);
    void this.#confirming.then(() => {
      if (this.#state === 'held' && this.remaining() <= 0) this.#lose('expired', outcomes, cause);
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /**
   * @internal Redlock.close(): the lock is released under a routine that may still run (a
   * `using` or `once` routine), so its signal is aborted first, with a LockLostError.
   */
  revoke(why: string): Promise<boolean> {
    if (this.#state === 'held' && !this.#lostError) {
      // As if lost: the signal aborts, and `using` rejects even if its routine finishes.
      this.#lostError = new LockLostError(`${list(this.resources)} was released: ${why}`, this.resources, []);
      this.#controller?.abort(this.#lostError);
    }
    return this.release();
  }

  #assertHeld(action: string): void {
    if (this.#state === 'released')
      throw new LockLostError(`cannot ${action} ${list(this.resources)}: it was released`, this.resources, []);
    if (this.#state === 'lost' || !this.isHeld) throw this.#lose('expired', []);
  }

  /** A quorum answered no: lost. Too many errors: QuorumError (still valid for now). */
  #checkQuorum(ballot: ops.Attempt['ballot'] | Awaited<ReturnType<typeof ops.extend>>, action: string): void {
    if (ballot.verdict === 'quorum') return;
    if (ballot.verdict === 'refused') throw this.#lose('taken', ballot.outcomes);
    throw new QuorumError(`could not ${action} ${list(this.resources)}`, this.resources, ballot.outcomes, this.#ctx.quorum);
  }

  /** Marks the lock lost (once), aborts the signal, emits 'lost'; returns the error. */
  #lose(reason: 'expired' | 'taken', outcomes: ops.Attempt['ballot']['outcomes'], cause?: unknown): LockLostError {
    if (this.#lostError) return this.#lostError;
    if (this.#state === 'released') {
      return new LockLostError(`${list(this.resources)} was released`, this.resources, outcomes);
    }
    const why = reason === 'expired' ? 'its validity ran out' : 'a quorum of instances no longer holds it';
    const error = new LockLostError(`lost the lock on ${list(this.resources)}: ${why}`, this.resources, outcomes, { cause });
    this.#lostError = error;
    this.#state = 'lost';
    this.#keeping.stop();
    this.#ctx.live.delete(this);
    this.#controller?.abort(error);
    this.#ctx.telemetry.lost(this, reason, error);
    if (debug.enabled) debug('lost %s: %s', list(this.resources), why);
    // Free whatever is left of it so that the next holder need not wait for the ttl.
    this.#ops.release(this.#ctx, this.resources, this.value, this.#ttl, this.#claim).catch(() => undefined);
    this.emit('lost', error);
    return error;
  }
}
