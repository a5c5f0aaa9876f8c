/**
 * The claims this Redlock's waiters wait with (lock/line.ts Claim), for core/wakeup.ts: a
 * release that hands a lock to a claim names it in its message (release-one.lua), and only
 * that claim's waiter wakes — once a quorum of servers named it (their copies come within a
 * round trip of each other), or FALLBACK_MS after the first copy when the servers' lines
 * disagree (its attempt then either wins or hands its votes on: lock/ops.ts). Woken by a
 * quorum, the waiter may take the lock as handed (`handoff`: which servers, for how long),
 * without an attempt (lock/acquisition.ts).
 */
import { claimTag } from '../keys.js';
import type { Instance } from './endpoint.js';

/** How long a claim named by fewer servers than a quorum waits for the other copies. */
const FALLBACK_MS = 10;

/** A quorum of servers handed the lock to a claim: which, and for how long at least (ms). */
export interface Handoff {
  readonly from: ReadonlySet<Instance>;
  readonly ms: number;
}

/** A claim's state: who to wake, and the servers that handed it the lock of one release. */
export class Named {
  /** The wait in progress, if any. */
  waiter: { wake(): void } | undefined;
  /** Hand-offs to this claim so far (compare before and after an attempt). */
  count = 0;
  /** The release (its message prefix) the servers in #from named this claim for. */
  #released = '';
  /** The release this claim's waiter was woken for last. */
  #fired = '';
  #from = new Set<Instance>();
  /** The shortest claim ms among #from's messages. */
  #ms = Infinity;
  #timer: NodeJS.Timeout | undefined;
  /**
   * The last hand-off by a quorum, until taken (core/wakeup.ts handoff). Its waiter takes the
   * lock on it only while its first attempt in line is its only one (lock/acquisition.ts):
   * a later attempt may have taken the key from the claim.
   */
  handoff: Handoff | undefined;

  /** Server `instance` handed the lock of release `released` to this claim, for `ms`. */
  handed(instance: Instance, released: string, ms: number, quorum: number): void {
    if (this.#fired === released) return; // woken already
    if (this.#released !== released) {
      this.#released = released;
      this.#from = new Set();
      this.#ms = Infinity;
      this.stop();
    }
    this.#from.add(instance);
    this.#ms = Math.min(this.#ms, ms);
    if (this.#from.size >= quorum) {
      this.handoff = { from: this.#from, ms: this.#ms };
      this.#fire(released);
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#fire(released), FALLBACK_MS);
      this.#timer.unref();
    }
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(released: string): void {
    this.stop();
    if (this.#released !== released || this.#fired === released) return;
    this.#fired = released;
    this.count++;
    this.waiter?.wake();
  }
}

export class Claims {
  /** By the claim's tag in a release message (keys.ts claimTag). */
  readonly #byMessage = new Map<string, Named>();
  readonly #quorum: number;

  constructor(instances: number) {
    this.#quorum = Math.floor(instances / 2) + 1;
  }

  /** Starts following hand-offs to `claim`. */
  add(claim: string): void {
    this.#byMessage.set(claimTag(claim), new Named());
  }

  /** Stops following hand-offs to `claim`. */
  remove(claim: string): void {
    const key = claimTag(claim);
    this.#byMessage.get(key)?.stop();
    this.#byMessage.delete(key);
  }

  get(claim: string): Named | undefined {
    return this.#byMessage.get(claimTag(claim));
  }

  /** A server handed the lock of release `released` to the claim tagged `next`, for `ms`. */
  handed(instance: Instance, released: string, next: string, ms: number): void {
    this.#byMessage.get(next)?.handed(instance, released, ms, this.#quorum); // (else another process's waiter)
  }
}
