/**
 * Every error Tenure throws on purpose. Bad arguments are the exception: they throw the
 * built-in `TypeError` / `RangeError`, naming the argument, before any network call.
 */

/** What one Redis instance answered to one operation. */
export type InstanceStatus =
  | 'acquired' // acquire: this instance voted yes
  | 'held' // acquire: another value holds the lock here
  | 'quarantined' // acquire: this instance restarted empty recently and may not vote yet (restartQuarantine)
  | 'extended' // extend: the ttl was renewed here
  | 'retaken' // extend: the key was missing here (data lost, or expired early) and was set again; not a vote
  | 'suspect' // answered yes, but does not count as a vote now: its clock misbehaves, or it may evict keys (strict)
  | 'released' // release: the key was deleted here
  | 'fenced' // fence: the token's counter was moved here
  | 'not-held' // extend / release / fence: this lock's value is no longer here
  | 'marked' // schedule / once: the job's done-marker was written here
  | 'read' // schedule / once: the job's done-marker was read here
  | 'claimed' // sequence: this instance took the proposed value
  | 'behind' // sequence: this instance's counter was already at or above the proposal
  | 'counted' // window counter: this instance counted the add
  | 'refused' // window counter: this instance refused the add (it would pass the limit)
  | 'error' // the command failed: see `error` (a Redis reply error, a timeout, no connection)
  | 'pending'; // no answer yet when the outcome was decided (early quorum)

/** One instance's part in an operation, as carried by {@link QuorumError} and friends. */
export interface InstanceOutcome {
  /** The instance's label: its URL without the password, or the label given with a client. */
  readonly instance: string;
  readonly status: InstanceStatus;
  /** For `held`: the holder's remaining ttl here in ms (-1: the key has no expiry). */
  readonly remaining?: number;
  /** For `error`: what went wrong on this instance. */
  readonly error?: Error;
  /** Milliseconds from sending to this instance's answer. */
  readonly elapsed?: number;
}

/** Base class: `code` is stable across versions; `cause` keeps the underlying error. */
export class TenureError extends Error {
  override name = 'TenureError';
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A command did not answer within `commandTimeout`. */
export class CommandTimeoutError extends TenureError {
  override name = 'CommandTimeoutError';
  constructor(instance: string, ms: number) {
    super(`${instance}: no reply within ${ms} ms`, 'ERR_TENURE_COMMAND_TIMEOUT');
  }
}

/** `replicaSync`: no replica of the instance acknowledged a write in time; its vote does not count. */
export class ReplicaSyncError extends TenureError {
  override name = 'ReplicaSyncError';
  constructor(instance: string, ms: number) {
    super(`${instance}: no replica acknowledged the write within ${ms} ms`, 'ERR_TENURE_REPLICA_SYNC');
  }
}

/** Tenure's connection to an instance is down; commands fail fast instead of queueing. */
export class ConnectionError extends TenureError {
  override name = 'ConnectionError';
  constructor(instance: string, state: string, options?: { cause?: unknown }) {
    super(`${instance}: not connected (${state})`, 'ERR_TENURE_NOT_CONNECTED', options);
  }
}

/**
 * Redis answered a command with an error (WRONGTYPE, OOM, NOPERM, a script error). Carries
 * the server's message and the server — never the command's arguments (the script's source,
 * the lock value that proves ownership), which the client library's error would carry.
 */
export class ServerError extends TenureError {
  override name = 'ServerError';
  /** The server's label. */
  readonly instance: string;
  constructor(instance: string, message: string) {
    super(message, 'ERR_TENURE_SERVER');
    this.instance = instance;
  }
}

/** A script answered something Tenure does not understand: never taken as a success. */
export class UnexpectedReplyError extends TenureError {
  override name = 'UnexpectedReplyError';
  constructor(script: string, reply: unknown) {
    super(`unexpected reply from the ${script} script: ${describe(reply)}`, 'ERR_TENURE_UNEXPECTED_REPLY');
  }
}

/**
 * The Redlock was closed: nothing more is taken through it. Waits in progress when `close()`
 * was called reject with this at once; an attempt in flight hands out no lock.
 */
export class ClosedError extends TenureError {
  override name = 'ClosedError';
  constructor() {
    super('this Redlock was closed: create a new one to take more locks', 'ERR_TENURE_CLOSED');
  }
}

/**
 * Two endpoints turned out to be one Redis server (the same `run_id`: two host names for one
 * address, two database numbers): counting it twice would hand out a lock on one server's
 * say. The Redlock refuses to grant anything once it knows.
 */
export class DuplicateServerError extends TenureError {
  override name = 'DuplicateServerError';
  /** The two endpoints' labels. */
  readonly instances: readonly [string, string];
  constructor(first: string, second: string) {
    super(
      `${first} and ${second} are the same Redis server (one run_id): each server may be one vote only; list it once`,
      'ERR_TENURE_DUPLICATE_SERVER',
    );
    this.instances = [first, second];
  }
}

/** Base class of the errors about one lock; `resources` names what it was for. */
export class LockError extends TenureError {
  override name = 'LockError';
  readonly resources: readonly string[];
  /** Each instance's answer to the last operation (empty when no operation was made). */
  readonly outcomes: readonly InstanceOutcome[];
  constructor(
    message: string,
    code: string,
    resources: readonly string[],
    outcomes: readonly InstanceOutcome[],
    options?: { cause?: unknown },
  ) {
    super(message + summarize(outcomes), code, options);
    this.resources = resources;
    this.outcomes = outcomes;
  }
}

/** One attempt could not reach a quorum of instances (errors, or a split vote). */
export class QuorumError extends LockError {
  override name = 'QuorumError';
  readonly quorum: number;
  constructor(
    message: string,
    resources: readonly string[],
    outcomes: readonly InstanceOutcome[],
    quorum: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'ERR_TENURE_QUORUM', resources, outcomes, options);
    this.quorum = quorum;
  }
}

/** `acquire` waited its whole `wait` budget without getting the lock. */
export class LockTimeoutError extends LockError {
  override name = 'LockTimeoutError';
  /** How many attempts were made. */
  readonly attempts: number;
  /** Milliseconds spent waiting. */
  readonly waited: number;
  constructor(
    resources: readonly string[],
    outcomes: readonly InstanceOutcome[],
    attempts: number,
    waited: number,
    options?: { cause?: unknown },
  ) {
    super(
      `could not acquire ${list(resources)} within ${waited} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      'ERR_TENURE_LOCK_TIMEOUT',
      resources,
      outcomes,
      options,
    );
    this.attempts = attempts;
    this.waited = waited;
  }
}

/** The lock is no longer held: it expired, was taken by another, or could not be extended. */
export class LockLostError extends LockError {
  override name = 'LockLostError';
  constructor(message: string, resources: readonly string[], outcomes: readonly InstanceOutcome[], options?: { cause?: unknown }) {
    super(message, 'ERR_TENURE_LOCK_LOST', resources, outcomes, options);
  }
}

export function list(resources: readonly string[]): string {
  return resources.map((r) => JSON.stringify(r)).join(', ');
}

function summarize(outcomes: readonly InstanceOutcome[]): string {
  if (outcomes.length === 0) return '';
  const parts = outcomes.map((o) => {
    switch (o.status) {
      case 'held':
        return `${o.instance}: held by another${o.remaining !== undefined && o.remaining >= 0 ? ` (${o.remaining} ms left)` : ''}`;
      case 'quarantined':
        return `${o.instance}: may have lost its data, in quarantine${o.remaining !== undefined ? ` (${o.remaining} ms left)` : ''}`;
      case 'suspect':
        return `${o.instance}: said yes, not counted (suspect server)`;
      case 'error':
        return `${o.instance}: error: ${o.error?.message ?? 'unknown'}`;
      default:
        return `${o.instance}: ${o.status}`;
    }
  });
  return ` [${parts.join('; ')}]`;
}

function describe(reply: unknown): string {
  try {
    // Long strings (a lock value is the proof of ownership) are shown by their length only.
    const s = JSON.stringify(reply, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : typeof v === 'string' && v.length > 16 ? `<${v.length} characters>` : v,
    );
    return s === undefined ? String(reply) : s.slice(0, 200);
  } catch {
    return String(reply);
  }
}
