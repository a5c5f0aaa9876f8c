/**
 * The one fan-out every Redlock operation goes through: send to every instance in
 * parallel, tally the answers, and settle as soon as the outcome is decided — a quorum of
 * yes, or too many no/error for a quorum to remain possible. A slow or dead minority costs
 * a decided operation nothing; its late answers go to `onLate` (an acquire uses it to
 * undo a yes that came after the attempt failed). Every answer is bounded by the timeout:
 * one timer per operation, and a connection that let a command time out is reset, so a
 * stuck connection never accumulates commands or pairs a late reply with the wrong one.
 */
import { CommandTimeoutError, ConnectionError, type InstanceOutcome, type InstanceStatus } from '../errors.js';
import type { Clock } from '../options.js';
import type { Instance } from './endpoint.js';

/** A decoded answer of one instance. `data` carries what the operation needs (a token...). */
export interface Decoded<T> {
  readonly status: InstanceStatus;
  readonly remaining?: number;
  readonly data?: T;
}

export interface Ballot<T> {
  /** One per instance, in endpoint order; `pending` where no answer had come. */
  readonly outcomes: InstanceOutcome[];
  /** Decoded data per instance (undefined where none). */
  readonly data: (T | undefined)[];
  readonly yes: number;
  readonly no: number;
  readonly errors: number;
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
  /** Wait for every instance instead of settling at the decision. */
  readonly waitAll?: boolean;
  /** An answer that came after the decision (never called for errors). */
  onLate?(index: number, decoded: Decoded<T>): void;
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
      this.#timer = setTimeout(() => this.#expire(), spec.timeout);
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
    const state = this.#state[i];
    if (state !== WAITING) {
      // Answered after the timeout claimed it: still worth knowing about a late yes.
      if (state === TIMED_OUT && decoded !== undefined) this.#spec.onLate?.(i, decoded);
      return;
    }
    this.#state[i] = ANSWERED;
    this.#answered++;
    const n = this.#state.length;
    if (this.#answered === n) this.#stop();
    if (this.#settled) {
      if (decoded !== undefined) this.#spec.onLate?.(i, decoded);
      return;
    }
    const instance = this.#spec.instances[i]!.label;
    const elapsed = this.#spec.clock.now() - this.#start;
    if (error !== undefined) {
      this.outcomes[i] = { instance, status: 'error', error, elapsed };
      this.errors++;
    } else {
      this.outcomes[i] = { instance, status: decoded!.status, remaining: decoded!.remaining, elapsed };
      this.data[i] = decoded!.data;
      if (decoded!.status === this.#spec.yes) this.yes++;
      else this.no++;
    }
    if (this.#answered === n || (!this.#spec.waitAll && (this.yes >= this.#spec.quorum || n - this.no - this.errors < this.#spec.quorum))) {
      this.#settle();
    }
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

export function poll<T>(spec: PollSpec<T>): Promise<Ballot<T>> {
  return new Promise<Ballot<T>>((resolve) => new Poll(spec, resolve));
}

/** Dropped connections become Tenure's typed errors; Redis replies stay as they are. */
function normalize(instance: Instance, error: unknown, timeout: number): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (error.message === 'Command timed out') return new CommandTimeoutError(instance.label, timeout);
  if (error.name === 'MaxRetriesPerRequestError' || /Stream isn't writeable|Connection is closed|enableOfflineQueue/.test(error.message)) {
    return new ConnectionError(instance.label, instance.client.status, { cause: error });
  }
  return error;
}

/** N/2+1. */
export function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}
