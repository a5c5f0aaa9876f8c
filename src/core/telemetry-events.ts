/** The Redlock's telemetry events and the logger it takes (core/telemetry.ts emits them). */
import type { InstanceOutcome, LockLostError } from '../errors.js';

/** A logger: pino, winston, console, or anything with these four methods. */
export interface Logger {
  debug(message: string, fields?: object): unknown;
  info(message: string, fields?: object): unknown;
  warn(message: string, fields?: object): unknown;
  error(message: string, fields?: object): unknown;
}

/** The lock in an event: what it holds. (A Lock is one.) */
export interface LockLike {
  readonly resources: readonly string[];
  readonly value: string;
}

export interface AcquiredEvent {
  readonly resources: readonly string[];
  /** `tenure.lock.name`. */
  readonly name: string;
  readonly lock: LockLike;
  /** Milliseconds from the call to the lock (waiting included). */
  readonly duration: number;
  readonly attempts: number;
}

export interface ReleasedEvent {
  readonly resources: readonly string[];
  readonly name: string;
  /** Milliseconds it was held. */
  readonly held: number;
}

export interface LostEvent extends ReleasedEvent {
  /** `expired`: its validity ran out (renewals failed); `taken`: a quorum no longer holds it. */
  readonly reason: 'expired' | 'taken';
  readonly error: LockLostError;
}

export interface ContendedEvent {
  readonly resources: readonly string[];
  readonly name: string;
  /** Which attempt of this call (1 for the first). */
  readonly attempt: number;
  /** Each server's answer: `held` with the holder's remaining ms. */
  readonly outcomes: readonly InstanceOutcome[];
}

export interface ServerErrorEvent {
  /** The server's label. */
  readonly server: string;
  readonly error: Error;
  /** `error.type`: the Redis error code (WRONGTYPE...), Tenure's error code, or the error's name. */
  readonly type: string;
}

export interface TelemetryEvents {
  acquired: [AcquiredEvent];
  released: [ReleasedEvent];
  lost: [LostEvent];
  contended: [ContendedEvent];
  serverError: [ServerErrorEvent];
}

export type Outcome = 'acquired' | 'timeout' | 'error' | 'aborted';
