/**
 * The clock every validity computation reads. Lease validity is measured from the moment a
 * request was sent, so the clock must be monotonic: a wall clock stepped by NTP would stretch
 * or shorten a lock. It is an interface so that tests can inject a clock they move by hand
 * (`options.clock`); the default is `performance.now()`. Time stored in Redis never uses it:
 * scripts read the server's `TIME`.
 */

/** A monotonic clock in milliseconds. Injectable for deterministic tests. */
export interface Clock {
  now(): number;
}

/** The default clock: `performance.now()`, monotonic and sub-millisecond. */
export const monotonic: Clock = { now: () => performance.now() };
