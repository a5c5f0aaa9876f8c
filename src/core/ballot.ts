/**
 * The ballot under the one fan-out every Redlock operation goes through (core/fan-out.ts):
 * `poll` sends to every instance in parallel, tallies the answers, and settles as
 * soon as the outcome is decided — a quorum of yes, or too many no/error for a quorum to
 * remain possible — and says which, once, in the ballot's `verdict`: every operation reads
 * that instead of counting again. A slow or dead minority costs a decided operation nothing;
 * its late answers go to `onLate` (an acquire uses it to undo a yes that came after the
 * attempt failed). Every answer is bounded by the timeout: one timer per operation; a
 * timed-out command's answer may still come, late, and goes to `onLate` too
 * (core/instance.ts decides when a silent connection is reset).
 *
 * For an operation that grants (`grants`), a yes counts as a vote only from a server in good
 * standing (core/monitor.ts): a suspect server's yes is recorded as `suspect`, a duplicate
 * endpoint's as an error; with replicaSync on, a write counts only once a replica has it.
 * Every lock script's server TIME goes to the server's clock watch.
 */
import { CommandTimeoutError, ConnectionError, ServerError, type InstanceOutcome, type InstanceStatus } from '../errors.js';
import type { Clock } from './monotonic.js';
import type { Instance } from './endpoint.js';

/** A decoded answer of one instance. `data` carries what the operation needs (a token...). */
export interface Decoded<T> {
  readonly status: InstanceStatus;
  readonly remaining?: number;
  readonly data?: T;
  /** The server's clock in µs, from the lock scripts: fed to the instance's clock watch. */
  readonly time?: number;
}

export interface Ballot<T> {
  /** One per instance, in endpoint order; `pending` where no answer had come. */
  readonly outcomes: InstanceOutcome[];
  /** Decoded data per instance (undefined where none). */
  readonly data: (T | undefined)[];
  readonly yes: number;
  readonly no: number;
  readonly errors: number;
  /** What it decided (verdictOf): the one place an operation learns it. */
  readonly verdict: Verdict;
}

/**
 * What a ballot decided, in the order it is read:
 * - `quorum`: a quorum said yes;
 * - `refused`: more servers said no than a quorum can spare — it cannot be had now, whatever
 *   the failed ones would have said (a lock taken by another, a value gone);
 * - `unreachable`: more servers failed (or never answered) than a quorum can spare;
 * - `short`: neither alone, yet no quorum (some said no, some failed; a split vote).
 */
export type Verdict = 'quorum' | 'refused' | 'unreachable' | 'short';

/** The verdict of `yes`/`no`/`errors` out of `n` servers, `quorum` needed. */
export function verdictOf(
  counts: { readonly yes: number; readonly no: number; readonly errors?: number },
  n: number,
  quorum: number,
): Verdict {
  if (counts.yes >= quorum) return 'quorum';
  if (counts.no > n - quorum) return 'refused';
  if ((counts.errors ?? 0) > n - quorum) return 'unreachable';
  return 'short';
}

export interface PollSpec<T> {
  readonly instances: readonly Instance[];
  /** Votes needed (N/2+1 for a Redlock operation). */
  readonly quorum: number;
  /** The status that counts as a vote for. */
  readonly yes: InstanceStatus;
  /** Bound on each answer. */
  readonly timeout: number;
  readonly clock: Clock;
  send(instance: Instance): Promise<unknown>;
  /** Turns a reply into a status; throws (UnexpectedReplyError) on anything unknown. */
  decode(reply: unknown): Decoded<T>;
  /** A write that grants or keeps something: only servers in good standing vote. */
  readonly grants?: boolean;
  /** Wait for every instance instead of settling at the decision. */
  readonly waitAll?: boolean;
  /**
   * An answer that came after the decision, or after its own timeout: `decoded`, or
   * `error` when the command failed late (a reset connection: it may or may not have run).
   */
  onLate?(index: number, decoded: Decoded<T> | undefined, error?: Error): void;
  /** A server's failure, as it is recorded (core/telemetry.ts: `serverError`). */
  onError?(server: string, error: Error): void;
}

const PENDING = 'pending';
const WAITING = 0;
const ANSWERED = 1;
const TIMED_OUT = 2;

class Poll<T> {
  readonly outcomes: InstanceOutcome[];
  readonly data: (T | undefined)[];
  yes = 0;
  no = 0;
  errors = 0;
  #answered = 0;
  #settled = false;
  #verdict: Verdict | undefined;
  readonly #state: Uint8Array;
  #timer: NodeJS.Timeout | undefined;
  readonly #spec: PollSpec<T>;
  readonly #start: number;
  readonly #resolve: (b: Ballot<T>) => void;

  constructor(spec: PollSpec<T>, resolve: (b: Ballot<T>) => void) {
    const n = spec.instances.length;
    this.#spec = spec;
    this.#resolve = resolve;
    this.#start = spec.clock.now();
    this.#state = new Uint8Array(n);
    this.outcomes = new Array<InstanceOutcome>(n);
    this.data = new Array<T | undefined>(n);
    for (let i = 0; i < n; i++) this.#send(i);
    if (this.#answered < n && !this.#settled) {
      // The verdict waits for the I/O phase after the timer: on an event loop that lagged past
      // the timeout, answers already received are read before anything is called timed out.
      this.#timer = setTimeout(() => setImmediate(() => this.#expire()), spec.timeout);
      this.#timer.unref();
    }
  }

  #send(i: number): void {
    const instance = this.#spec.instances[i]!;
    let sent: Promise<unknown>;
    try {
      sent = this.#spec.send(instance);
    } catch (error) {
      sent = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    sent.then(
      (reply) => {
        let decoded: Decoded<T>;
        try {
          decoded = this.#spec.decode(reply);
        } catch (error) {
          return this.#record(i, undefined, error as Error);
        }
        this.#record(i, decoded, undefined);
      },
      (error: unknown) => this.#record(i, undefined, normalize(instance, error, this.#spec.timeout)),
    );
  }

  #record(i: number, decoded: Decoded<T> | undefined, error: Error | undefined): void {
    const spec = this.#spec;
    const instance = spec.instances[i]!;
    const now = spec.clock.now();
    if (decoded?.time !== undefined) instance.health.time(this.#start, now, decoded.time);
    const state = this.#state[i];
    if (state !== WAITING) {
      // Answered after the timeout claimed it: a late yes must still be dealt with.
      if (state === TIMED_OUT) spec.onLate?.(i, decoded, error);
      return;
    }
    this.#state[i] = ANSWERED;
    this.#answered++;
    const n = this.#state.length;
    if (this.#answered === n) this.#stop();
    if (this.#settled) {
      spec.onLate?.(i, decoded, error);
      return;
    }
    const elapsed = now - this.#start;
    if (decoded !== undefined && decoded.status === spec.yes && spec.grants === true && !instance.health.votes) {
      // Said yes, but its vote does not count now.
      const duplicate = instance.health.duplicate;
      if (duplicate === undefined) decoded = { ...decoded, status: 'suspect' };
      else error = duplicate;
    }
    if (error !== undefined) {
      this.outcomes[i] = { instance: instance.label, status: 'error', error, elapsed };
      this.errors++;
      spec.onError?.(instance.label, error);
    } else {
      this.outcomes[i] = { instance: instance.label, status: decoded!.status, remaining: decoded!.remaining, elapsed };
      this.data[i] = decoded!.data;
      if (decoded!.status === spec.yes) this.yes++;
      else this.no++;
    }
    if (this.#answered === n || (!spec.waitAll && (this.yes >= spec.quorum || n - this.no - this.errors < spec.quorum))) {
      this.#settle();
    }
  }

  /** Read once settled: the counts no longer change. */
  get verdict(): Verdict {
    return (this.#verdict ??= verdictOf(this, this.#state.length, this.#spec.quorum));
  }

  #settle(): void {
    this.#settled = true;
    const { instances } = this.#spec;
    for (let i = 0; i < instances.length; i++) {
      if (this.#state[i] === WAITING) this.outcomes[i] = { instance: instances[i]!.label, status: PENDING };
    }
    // The ballot is handed over as is: nothing writes to it after this point.
    this.#resolve(this);
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #expire(): void {
    this.#timer = undefined;
    if (this.#answered === this.#state.length) return; // every answer came in the meantime
    const { instances, timeout } = this.#spec;
    for (let i = 0; i < instances.length; i++) {
      if (this.#state[i] !== WAITING) continue;
      const instance = instances[i]!;
      instance.timedOut();
      const error = new CommandTimeoutError(instance.label, timeout);
      this.#record(i, undefined, error);
      this.#state[i] = TIMED_OUT;
    }
  }
}

/** A reply error from Redis itself (WRONGTYPE, OOM, a script error): the server answered. */
export function isReplyError(error: Error | undefined): boolean {
  return error instanceof ServerError || error?.name === 'ReplyError';
}

export function poll<T>(spec: PollSpec<T>): Promise<Ballot<T>> {
  return new Promise<Ballot<T>>((resolve) => new Poll(spec, resolve));
}

/** What Redis appends to an error raised inside a script: ` script: <sha1>, on @user_script:<line>.` */
const SCRIPT_AT = /\s*script: [0-9a-f]{40}, on @user_script:\d+\.?/;

/** Dropped connections become Tenure's typed errors; Redis replies stay as they are. */
function normalize(instance: Instance, error: unknown, timeout: number): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (error.message === 'Command timed out') return new CommandTimeoutError(instance.label, timeout);
  if (error.name === 'MaxRetriesPerRequestError' || /Stream isn't writeable|Connection is closed|enableOfflineQueue/.test(error.message)) {
    return new ConnectionError(instance.label, instance.client.status, { cause: error });
  }
  // A Redis reply error: its message only (ioredis's carries the command's arguments).
  // (Nor the script's SHA1 and line that Redis appends to an error raised inside a script.)
  if (error.name === 'ReplyError') return new ServerError(instance.label, error.message.replace(SCRIPT_AT, ''));
  return error;
}

/** N/2+1. */
export function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}
