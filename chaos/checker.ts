/**
 * The checker: the shared counter the workers read and write from inside their critical
 * sections, the record of every section, and the verdicts — overlapping sections, lost
 * updates, fencing-token order. It runs in the orchestrator; workers reach it over IPC.
 *
 * A section is [enter, exit] on the common monotonic clock: enter when the library said it
 * holds the lock, exit after the section's write, or when the library reported the lock
 * lost (then the section does not write). Nothing is tolerated: two sections of different
 * workers that share any instant overlap, and a counter below the number of writes is a
 * lost update.
 */

export interface SectionRecord {
  readonly worker: number;
  readonly id: number;
  /** The lock's value in Redis (maps what each server held to a section). */
  readonly value: string;
  readonly token: bigint | undefined;
  readonly enter: number;
  /** Undefined while open (a section still open at the end counts as open until then). */
  exit: number | undefined;
  wrote: boolean;
  /** The library reported the lock lost during the section. */
  lost: boolean;
}

export interface Overlap {
  /** Indexes into the sections array given to analyze(). */
  readonly a: number;
  readonly b: number;
  readonly start: number;
  readonly end: number;
}

export interface Verdict {
  readonly acquisitions: number;
  /** Sections that wrote the counter. */
  readonly writes: number;
  readonly counter: number;
  /** writes − counter: increments that a concurrent section overwrote. */
  readonly lostUpdates: number;
  /** Pairs of sections of different workers that intersect. */
  readonly overlaps: Overlap[];
  /** Sections whose library reported the lock lost while inside. */
  readonly lostSignals: number;
  /** Sections not closed when the run ended (a worker that hung or died). */
  readonly unclosed: number;
  /** Entry-ordered neighbours whose tokens did not strictly increase; undefined when the library issues none. */
  readonly tokenViolations: number | undefined;
}

export class Checker {
  counter = 0;
  readonly sections: SectionRecord[] = [];
  readonly #byKey = new Map<string, SectionRecord>();

  /** A section starts: record it and return the counter it reads. */
  enter(worker: number, id: number, value: string, token: bigint | undefined, t: number): number {
    const s: SectionRecord = { worker, id, value, token, enter: t, exit: undefined, wrote: false, lost: false };
    this.sections.push(s);
    this.#byKey.set(`${worker}:${id}`, s);
    return this.counter;
  }

  write(worker: number, id: number, counter: number): void {
    this.counter = counter;
    const s = this.#byKey.get(`${worker}:${id}`);
    if (s) s.wrote = true;
  }

  exit(worker: number, id: number, t: number, lost: boolean): void {
    const s = this.#byKey.get(`${worker}:${id}`);
    if (!s) return;
    s.exit = t;
    s.lost = lost;
  }

  /** Sections entered and not yet left, oldest first. */
  open(): SectionRecord[] {
    return this.sections.filter((s) => s.exit === undefined);
  }

  verdict(end: number): Verdict {
    return analyze(this.sections, this.counter, end);
  }
}

/** The verdicts over a run's sections; sections still open count as open until `end`. */
export function analyze(sections: readonly SectionRecord[], counter: number, end: number): Verdict {
  const ordered = sections.map((s, i) => ({ s, i, exit: s.exit ?? Math.max(end, s.enter) })).sort((x, y) => x.s.enter - y.s.enter);
  const overlaps: Overlap[] = [];
  for (let j = 0; j < ordered.length; j++) {
    const b = ordered[j]!;
    for (let k = 0; k < j; k++) {
      const a = ordered[k]!;
      // Entered no later than b (sorted), so they meet iff a is still inside when b enters.
      if (a.s.worker !== b.s.worker && a.exit >= b.s.enter) {
        overlaps.push({ a: a.i, b: b.i, start: b.s.enter, end: Math.min(a.exit, b.exit) });
      }
    }
  }
  const writes = sections.filter((s) => s.wrote).length;
  const tokened = ordered.filter((o) => o.s.token !== undefined);
  let tokenViolations: number | undefined;
  if (tokened.length > 0) {
    tokenViolations = ordered.length - tokened.length; // a section without a token where others have one
    for (let j = 1; j < tokened.length; j++) if (tokened[j]!.s.token! <= tokened[j - 1]!.s.token!) tokenViolations++;
  }
  return {
    acquisitions: sections.length,
    writes,
    counter,
    lostUpdates: writes - counter,
    overlaps,
    lostSignals: sections.filter((s) => s.lost).length,
    unclosed: sections.filter((s) => s.exit === undefined).length,
    tokenViolations,
  };
}
