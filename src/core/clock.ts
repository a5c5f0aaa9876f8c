/**
 * Watching a server's clock. Redis expires keys by its own wall clock, so a server whose
 * clock runs fast (or jumps forward) lets a lock expire early there, and Redlock's timing
 * argument — that every server's clock advances at about the client's rate — breaks.
 *
 * Each lock script returns the server's TIME. The script ran at some instant between the
 * client's send (`lo`) and its receipt of the reply (`hi`), on the client's monotonic
 * clock, so two samples bound the server's rate against ours from both sides:
 *   ΔS / (hi₂ − lo₁)  ≤  rate  ≤  ΔS / (lo₂ − hi₁)
 * A server is suspect when even the lower bound is above 1 + tolerance, or the upper bound
 * below 1 − tolerance — never on noise: network or event-loop delay only widens the bounds.
 * Each sample is compared with the oldest one kept (up to a minute back: small rate errors
 * add up) and with the newest one at least MIN_SPAN old (a new fault shows within a second).
 * A suspect server is trusted again once its clock has behaved for RECOVER ms.
 */

export interface Sample {
  readonly lo: number;
  readonly hi: number;
  /** The server's clock in µs. */
  readonly us: number;
}

/** Shortest span between two samples that is compared. */
const MIN_SPAN = 100;
/** Samples kept are at least this far apart... */
const SPACING = 500;
/** ...and at most this old. */
const WINDOW = 60_000;
/** How long a suspect clock must behave to be trusted again. */
export const RECOVER = 5_000;

export type ClockVerdict = { readonly suspect: false } | { readonly suspect: true; readonly detail: string };

export class ClockWatch {
  readonly #tolerance: number;
  #refs: Sample[] = [];
  #suspect = false;
  /** While suspect: when the clock last misbehaved. */
  #since = 0;

  /** `tolerance`: the largest rate difference accepted (the driftFactor). */
  constructor(tolerance: number) {
    this.#tolerance = tolerance;
  }

  get suspect(): boolean {
    return this.#suspect;
  }

  /** Adds a sample; returns a verdict when the server's standing changed, else undefined. */
  sample(lo: number, hi: number, us: number): ClockVerdict | undefined {
    const s: Sample = { lo, hi, us };
    const refs = this.#refs;
    const oldest = refs[0];
    let recent: Sample | undefined;
    for (let i = refs.length - 1; i >= 0; i--) {
      if (lo - refs[i]!.hi >= MIN_SPAN) {
        recent = refs[i];
        break;
      }
    }
    const detail = (oldest && this.#check(oldest, s)) ?? (recent && recent !== oldest ? this.#check(recent, s) : undefined);
    if (detail !== undefined) {
      // Start again from here: once it behaves, it is judged by how it behaves from now on.
      this.#refs = [s];
      this.#since = lo;
      if (this.#suspect) return undefined;
      this.#suspect = true;
      return { suspect: true, detail };
    }
    const last = refs[refs.length - 1];
    if (last === undefined || lo - last.lo >= SPACING) refs.push(s);
    while (refs.length > 1 && refs[0]!.lo < lo - WINDOW) refs.shift();
    if (this.#suspect && lo - this.#since >= RECOVER && oldest !== undefined && lo - oldest.hi >= RECOVER) {
      this.#suspect = false;
      return { suspect: false };
    }
    return undefined;
  }

  /** Why `b` and `a` show a clock outside the tolerance, or undefined when they do not. */
  #check(a: Sample, b: Sample): string | undefined {
    const span = b.lo - a.hi;
    if (span < MIN_SPAN) return undefined;
    const served = (b.us - a.us) / 1000;
    const low = served / (b.hi - a.lo);
    const high = served / span;
    const elapsed = Math.round(b.lo - a.lo);
    if (served < 0) return `its clock went back ${Math.round(-served)} ms`;
    if (low > 1 + this.#tolerance) return `its clock ran ${Math.round(served)} ms in ${elapsed} ms (at least ${low.toFixed(3)}× our rate)`;
    if (high < 1 - this.#tolerance) return `its clock ran ${Math.round(served)} ms in ${elapsed} ms (at most ${high.toFixed(3)}× our rate)`;
    return undefined;
  }
}
