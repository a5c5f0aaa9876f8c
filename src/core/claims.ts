/**
 * The claims this Redlock's waiters wait with (lock/line.ts Claim), for core/wakeup.ts: a
 * release that hands a lock to a claim names it in its message (release-one.lua), and only
 * that claim's waiter wakes — once a quorum of servers named it (their copies come within a
 * round trip of each other), or FALLBACK_MS after the first copy when the servers' lines
 * disagree (its attempt then either wins or hands its votes on: lock/ops.ts).
 */
import { releaseMessage } from '../keys.js';
import type { Instance } from './endpoint.js';

/** How long a claim named by fewer servers than a quorum waits for the other copies. */
const FALLBACK_MS = 10;

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
  readonly #from = new Set<Instance>();
  #timer: NodeJS.Timeout | undefined;

  /** Server `instance` handed the lock of release `released` to this claim. */
  handed(instance: Instance, released: string, quorum: number): void {
    if (this.#fired === released) return; // woken already
    if (this.#released !== released) {
      this.#released = released;
      this.#from.clear();
      this.stop();
    }
    this.#from.add(instance);
    if (this.#from.size >= quorum) this.#fire(released);
    else if (this.#timer === undefined) {
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
  /** By the message form of the claim (keys.ts releaseMessage). */
  readonly #byMessage = new Map<string, Named>();
  readonly #quorum: number;

  constructor(instances: number) {
    this.#quorum = Math.floor(instances / 2) + 1;
  }

  /** Starts following hand-offs to `claim`. */
  add(claim: string): void {
    this.#byMessage.set(releaseMessage(claim), new Named());
  }

  /** Stops following hand-offs to `claim`. */
  remove(claim: string): void {
    const key = releaseMessage(claim);
    this.#byMessage.get(key)?.stop();
    this.#byMessage.delete(key);
  }

  get(claim: string): Named | undefined {
    return this.#byMessage.get(releaseMessage(claim));
  }

  /** A server handed the lock of release `released` to the claim whose message form is `next`. */
  handed(instance: Instance, released: string, next: string): void {
    this.#byMessage.get(next)?.handed(instance, released, this.#quorum); // (else another process's waiter)
  }
}
