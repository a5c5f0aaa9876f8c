/**
 * The options of the primitives a Redlock makes: election, schedule, once, window counter,
 * semaphore and read-write lock, each checked once when the primitive is made. A ttl that
 * the primitive's lease renews (election) or that outlives a run (schedule, once) is held
 * to the Redlock's restart quarantine and thread-keeper stall (limits.ts); missing values
 * come from the per-primitive objects in defaults.ts.
 */
import { MIN_TTL, duration, plainObject, rejectUnknown, show, stringArg } from '../args.js';
import { cronTimetable, everyTimetable, type Timetable } from '../jobs/cron.js';
import { ELECTION_DEFAULTS, ONCE_DEFAULTS, SCHEDULE_DEFAULTS } from './defaults.js';
import { withinQuarantine, withinStall } from './limits.js';
import type { ResolvedOptions } from './redlock.js';

export interface ResolvedSchedule {
  readonly timetable: Timetable;
  readonly ttl: number;
  readonly every: number | undefined;
  readonly cron: string | undefined;
}

export interface ResolvedElection {
  readonly ttl: number;
  readonly id: string;
  readonly retryDelay: number;
}

export function resolveElectionOptions(options: unknown, base: ResolvedOptions): ResolvedElection {
  if (options === undefined) throw new TypeError('Expected `options` with a `ttl` (ms): the ttl is required, got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['ttl', 'id', 'retryDelay']));
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  const ttl = duration('options.ttl', o.ttl, 0, 30);
  const id = o.id === undefined ? base.owner : stringArg('options.id', o.id, false);
  const retryDelay = duration('options.retryDelay', o.retryDelay, ELECTION_DEFAULTS.retryDelay(ttl), 1);
  withinQuarantine('options.ttl', ttl, base);
  withinStall('options.ttl', ttl, base);
  if (retryDelay > ttl) throw new RangeError(`Expected \`options.retryDelay\` to be at most the ttl (${ttl} ms), got ${retryDelay}`);
  if (base.commandTimeout >= ttl / 3) {
    // Renewal runs every ttl/3; a command that may take longer than that cannot renew in time.
    throw new RangeError(
      `Expected \`options.ttl\` (${ttl} ms) above 3 × the Redlock's commandTimeout (${base.commandTimeout} ms), so that a renewal (every ttl/3) and one retry fit inside the lease: raise the ttl or lower commandTimeout`,
    );
  }
  return { ttl, id, retryDelay };
}

export function resolveScheduleOptions(options: unknown, base: ResolvedOptions): ResolvedSchedule {
  if (options === undefined) throw new TypeError('Expected `options` with `every` (ms) or `cron`, got undefined');
  const o = plainObject('options', options);
  const cron = o.cron !== undefined;
  rejectUnknown('options', o, new Set(cron ? ['cron', 'timezone', 'ttl'] : ['every', 'ttl']));
  if (!cron && o.every === undefined)
    throw new TypeError('Expected `options.every` (ms) or `options.cron`: the period is required, got neither');
  const timetable = cron ? cronTimetable(o.cron, o.timezone) : everyTimetable(duration('options.every', o.every, 0, 1));
  // Default lease: the period, within [minTtl, maxTtl] (a run may outlast a short period: it never overlaps the next).
  const fallback = Math.min(Math.max(timetable.interval, SCHEDULE_DEFAULTS.minTtl), SCHEDULE_DEFAULTS.maxTtl);
  const ttl = withinQuarantine('options.ttl', duration('options.ttl', o.ttl, fallback, MIN_TTL), base);
  return { timetable, ttl, every: cron ? undefined : (o.every as number), cron: cron ? (o.cron as string) : undefined };
}

export function resolveOnceOptions(
  options: unknown,
  base: ResolvedOptions,
): { ttl: number; wait: number; signal: AbortSignal | undefined } {
  const o = plainObject('options', options ?? {});
  rejectUnknown('options', o, new Set(['ttl', 'wait', 'signal']));
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`options.signal\` to be an AbortSignal, got ${show(o.signal)}`);
  }
  return {
    ttl: withinQuarantine('options.ttl', duration('options.ttl', o.ttl, ONCE_DEFAULTS.ttl, MIN_TTL), base),
    wait: duration('options.wait', o.wait, ONCE_DEFAULTS.wait, 0),
    signal: o.signal,
  };
}

export function resolveWindowOptions(options: unknown): { window: number; limit: number | undefined } {
  if (options === undefined) throw new TypeError('Expected `options` with a `window` (ms), got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['window', 'limit']));
  if (o.window === undefined) throw new TypeError('Expected `options.window` (ms): the window is required, got undefined');
  const window = duration('options.window', o.window, 0, 1);
  if (o.limit === undefined) return { window, limit: undefined };
  if (typeof o.limit !== 'number' || !Number.isInteger(o.limit))
    throw new TypeError(`Expected \`options.limit\` to be an integer, got ${show(o.limit)}`);
  if (o.limit < 1 || !Number.isSafeInteger(o.limit))
    throw new RangeError(`Expected \`options.limit\` to be a positive safe integer, got ${o.limit}`);
  return { window, limit: o.limit };
}

export function resolveSemaphoreOptions(options: unknown): { permits: number; ttl: number } {
  if (options === undefined) throw new TypeError('Expected `options` with `permits` and a `ttl` (ms), got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['permits', 'ttl']));
  const p = o.permits;
  if (typeof p !== 'number' || !Number.isInteger(p)) throw new TypeError(`Expected \`options.permits\` to be an integer, got ${show(p)}`);
  if (p < 1 || p > 1024) throw new RangeError(`Expected \`options.permits\` to be from 1 to 1024, got ${p}`);
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  return { permits: p, ttl: duration('options.ttl', o.ttl, 0, MIN_TTL) };
}

export function resolveRwOptions(options: unknown, base: ResolvedOptions): { ttl: number } {
  if (options === undefined) throw new TypeError('Expected `options` with a `ttl` (ms), got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, new Set(['ttl']));
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  return { ttl: withinQuarantine('options.ttl', duration('options.ttl', o.ttl, 0, MIN_TTL), base) };
}
