/**
 * When a scheduled job is due: a timetable of periods, each with an id (what the done-marker
 * records, increasing), a start (the scheduled time) and an end (the next one).
 *
 * - `every`: periods aligned to the wall clock, multiples of `every` ms since the epoch; the
 *   id is the period's number.
 * - `cron`: the times of a cron expression (5 fields, or 6 with seconds first), in `timezone`
 *   (an IANA name; default UTC), computed by croner — no hand-written cron parser. A period
 *   runs from one scheduled time to the next; its id is the scheduled time in seconds since
 *   the epoch.
 *
 * Missed times (every process down): see Schedule (jobs/schedule.ts). The most recent
 * scheduled time is made up once, at start-up, if a run of this schedule was recorded
 * before it; the times before that one are not run at all (no pile-up). A schedule with no
 * recorded run — a new one, or one whose marker expired after two intervals with no process
 * up — first runs at its next scheduled time.
 */
import { Cron } from 'croner';
import { show } from '../args.js';
// defaults.js, not options/index.js: the option resolvers import this module.
import { SCHEDULE_DEFAULTS } from '../options/defaults.js';

export interface Period {
  /** Recorded by the done-marker; increases from one period to the next. */
  readonly id: number;
  /** Wall-clock ms the period starts (the scheduled time). */
  readonly start: number;
  /** Wall-clock ms the next period starts. */
  readonly end: number;
}

export interface Timetable {
  /** The period under way at wall-clock `now`, or undefined when none began yet. */
  at(now: number): Period | undefined;
  /** When the period after the one under way at `now` starts; undefined when there is none. */
  nextStart(now: number): number | undefined;
  /** Whether a period with no recorded run before it is run at start-up (`every`: yes). */
  readonly runsFirstAtStart: boolean;
  /** The interval between two periods, about (for the default lease and the marker's expiry). */
  readonly interval: number;
}

export function everyTimetable(every: number): Timetable {
  return {
    at: (now) => {
      const id = Math.floor(now / every);
      return { id, start: id * every, end: (id + 1) * every };
    },
    nextStart: (now) => (Math.floor(now / every) + 1) * every,
    runsFirstAtStart: true,
    interval: every,
  };
}

/** A cron timetable; TypeError/RangeError naming `options.cron` / `options.timezone`. */
export function cronTimetable(expression: unknown, timezone: unknown): Timetable {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new TypeError(`Expected \`options.cron\` to be a cron expression such as '0 2 * * *', got ${show(expression)}`);
  }
  if (timezone !== undefined && typeof timezone !== 'string') {
    throw new TypeError(`Expected \`options.timezone\` to be an IANA time zone name such as 'Europe/Paris', got ${show(timezone)}`);
  }
  const tz = timezone ?? SCHEDULE_DEFAULTS.timezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch (error) {
    throw new RangeError(`Expected \`options.timezone\` to be an IANA time zone name such as 'Europe/Paris', got ${show(timezone)}`, {
      cause: error,
    });
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone: tz, paused: true });
  } catch (error) {
    throw new RangeError(`Expected \`options.cron\` to be a valid cron expression, got ${show(expression)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const next = (after: number): number | undefined => cron.nextRun(new Date(after))?.getTime();
  const first = next(Date.now());
  if (first === undefined) throw new RangeError(`Expected \`options.cron\` to have times in the future, got ${show(expression)}`);
  const second = next(first);
  return {
    at: (now) => {
      // previousRuns is strictly before its reference: a time due at `now` exactly counts.
      const start = cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
      if (start === undefined) return undefined;
      const end = next(start) ?? Number.MAX_SAFE_INTEGER;
      return { id: Math.floor(start / 1000), start, end };
    },
    nextStart: (now) => next(now),
    runsFirstAtStart: false,
    interval: second === undefined ? 60_000 : second - first,
  };
}
