/**
 * tryLock: one attempt that always answers with the outcome — RedLock.net's `IsAcquired`,
 * `Status` and instance summary — instead of a Lock or null. Code written against
 * RedLock.net's lock state ports directly: `if (!attempt.isAcquired) log(attempt.status)`.
 */
import { QuorumError, type InstanceOutcome } from '../errors.js';
import type { AcquireExtra } from './acquire.js';
import type { KindAttempt } from './kind.js';
import type { Lock } from './lock.js';

/**
 * `acquired`; `conflicted` — another holder kept the attempt from a quorum (RedLock.net's
 * Conflicted); `no-quorum` — too many servers failed or were out of standing to answer
 * (NoQuorum); `expired` — a quorum said yes, but the validity was used up on the way (Expired).
 */
export type LockStatus = 'acquired' | 'conflicted' | 'no-quorum' | 'expired';

export interface LockAttempt {
  readonly isAcquired: boolean;
  readonly status: LockStatus;
  /** The Lock when acquired, else null. */
  readonly lock: Lock | null;
  /** Each server's answer, in endpoint order (see Lock.outcomes). */
  readonly outcomes: readonly InstanceOutcome[];
  /** How many servers said yes, were held by another, and failed (RedLock.net's InstanceSummary). */
  readonly summary: { readonly acquired: number; readonly conflicted: number; readonly error: number };
  /** Why, when the status is `no-quorum` or `expired`. */
  readonly error?: QuorumError;
}

/** Runs one attempt (`attempt` passes `extra` on to acquire()) and reports its outcome. */
export async function tryLock(attempt: (extra: AcquireExtra) => Promise<Lock | null>): Promise<LockAttempt> {
  let last: KindAttempt | undefined;
  let lock: Lock | null;
  try {
    lock = await attempt({ attempted: (a) => (last = a) });
  } catch (error) {
    if (!(error instanceof QuorumError)) throw error;
    const expired = last !== undefined && (last.ok || last.ballot.yes >= error.quorum);
    return report(expired ? 'expired' : 'no-quorum', null, error.outcomes, error);
  }
  if (lock !== null) return report('acquired', lock, lock.outcomes);
  return report('conflicted', null, last?.ballot.outcomes ?? []);
}

function report(status: LockStatus, lock: Lock | null, outcomes: readonly InstanceOutcome[], error?: QuorumError): LockAttempt {
  const count = (...s: string[]): number => outcomes.filter((o) => s.includes(o.status)).length;
  return {
    isAcquired: lock !== null,
    status,
    lock,
    outcomes,
    summary: { acquired: count('acquired'), conflicted: count('held'), error: count('error', 'suspect', 'quarantined', 'pending') },
    ...(error === undefined ? {} : { error }),
  };
}
