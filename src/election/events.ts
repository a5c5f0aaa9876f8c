/** What an Election emits (election/election.ts). */

export type DemotionReason = 'resigned' | 'lost' | 'error';

export interface ElectedEvent {
  /** The leadership's fencing token. */
  readonly term: bigint;
  readonly id: string;
}

export interface DemotedEvent {
  /** `resigned`: stop() was called; `lost`: the lease ran out or was taken; `error`: renewals failed until it ran out. */
  readonly reason: DemotionReason;
  readonly term: bigint;
  /** The LockLostError, for `lost` and `error` (its `cause` holds the last renewal failure). */
  readonly error?: Error;
  /** Wall-clock time (ms) the leadership ended by this process's own account: for a lost lease, when its validity ran out. */
  readonly at: number;
  /**
   * When this process released the lease (a resignation, a step-down): resolves true if a
   * quorum still held it then, false if it was found gone — taken by another, or lost by a
   * server, since the last renewal: the term's last moments were not exclusive.
   */
  readonly released?: Promise<boolean>;
}

export interface ElectionEvents {
  elected: [ElectedEvent];
  demoted: [DemotedEvent];
  /** A change of leader this candidate observed: the new leader's id, or null when it knows of none. */
  leader: [string | null];
  /** Redis trouble while campaigning; the campaign goes on. */
  campaignError: [Error];
}
