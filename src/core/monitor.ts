/**
 * What Tenure knows about each server beyond its answers: which server it is (`run_id`),
 * whether it may evict keys, and whether its clock behaves. A server that is in doubt stops
 * counting as a vote for anything that grants (it still holds the keys it is given: that
 * only keeps others out), and the Redlock says so once per episode — a `serverSuspect`
 * event and a process warning naming the server.
 *
 * - Duplicates: two endpoints on one server (two host names, two db numbers) share a
 *   `run_id`; the Redlock then refuses to grant anything (DuplicateServerError).
 * - Eviction: `maxmemory` with any policy but `noeviction` can evict lock keys (and
 *   sequences, job markers): a warning; with `strict`, no vote. A rise of `evicted_keys`
 *   is warned about too.
 * - Clock: see core/clock.ts. On one server there is no other vote: a warning only.
 */
import { ClockWatch } from './clock.js';
import { DuplicateServerError } from '../errors.js';

export type SuspectReason = 'clock' | 'eviction' | 'evicted' | 'duplicate';

/** The `serverSuspect` event: a server that stopped counting as a vote, or was warned about. */
export interface ServerSuspect {
  /** The server's label. */
  readonly server: string;
  readonly reason: SuspectReason;
  readonly message: string;
  /** Whether its votes still count (a warning only: one server, or eviction without `strict`). */
  readonly voting: boolean;
}

/** The `serverTrusted` event: a suspect server whose clock behaves again, counted again. */
export interface ServerTrusted {
  readonly server: string;
  readonly reason: SuspectReason;
}

export interface MonitorEvents {
  serverSuspect: [ServerSuspect];
  serverTrusted: [ServerTrusted];
}

export interface MonitorOptions {
  readonly strict: boolean;
  readonly driftFactor: number;
  emit<K extends keyof MonitorEvents>(event: K, ...args: MonitorEvents[K]): void;
}

/** Longest time between two looks at a server's INFO while it is in use. */
export const INFO_EVERY = 5_000;

/**
 * How often the lock scripts (acquire.lua, extend.lua) read the servers' clocks for the
 * clock watch (core/clock.ts), in ms: often enough that a wrong clock shows as soon as with
 * a sample per call (the watch compares samples at least 100 ms apart), and seldom enough
 * that a busy lock does not pay a TIME per call — a third of an uncontended attempt's cost.
 */
export const CLOCK_EVERY = 50;

export class Monitor {
  readonly #options: MonitorOptions;
  readonly #byRun = new Map<string, Health>();
  /** Set once two endpoints were found to be one server: nothing is granted after. */
  refused: DuplicateServerError | undefined;
  /** How many endpoints vote (set once they are made). */
  servers = 0;
  #clockAt = -Infinity;

  constructor(options: MonitorOptions) {
    this.#options = options;
  }

  /** Whether a lock script sent at `now` reads the servers' clocks (once in CLOCK_EVERY ms). */
  clockDue(now: number): boolean {
    if (now - this.#clockAt < CLOCK_EVERY) return false;
    this.#clockAt = now;
    return true;
  }

  health(label: string): Health {
    return new Health(this, label, Math.max(this.#options.driftFactor, 0.001));
  }

  get strict(): boolean {
    return this.#options.strict;
  }

  /** A server said who it is: two endpoints with one run_id are refused. */
  identify(health: Health, runId: string): void {
    const other = this.#byRun.get(runId);
    if (other !== undefined && other !== health && other.runId === runId) {
      const error = new DuplicateServerError(other.label, health.label);
      other.duplicate = error;
      health.duplicate = error;
      this.refused ??= error;
      this.suspect(health, 'duplicate', error.message, false);
      return;
    }
    this.#byRun.set(runId, health);
  }

  suspect(health: Health, reason: SuspectReason, message: string, voting: boolean): void {
    const text = `tenure: ${health.label}: ${message}`;
    this.#options.emit('serverSuspect', { server: health.label, reason, message: text, voting });
    process.emitWarning(text, { type: 'TenureWarning', code: `TENURE_SERVER_${reason.toUpperCase()}` });
  }

  trusted(health: Health, reason: SuspectReason): void {
    this.#options.emit('serverTrusted', { server: health.label, reason });
  }
}

/** One server's standing. `votes` is read on every answer that grants. */
export class Health {
  readonly label: string;
  readonly #monitor: Monitor;
  readonly #clock: ClockWatch;
  runId: string | undefined;
  duplicate: DuplicateServerError | undefined;
  /** maxmemory is set with a policy that can evict keys. */
  evicting = false;
  #evicted: number | undefined;

  constructor(monitor: Monitor, label: string, tolerance: number) {
    this.#monitor = monitor;
    this.label = label;
    this.#clock = new ClockWatch(tolerance);
  }

  /** Whether a yes from this server counts as a vote now. */
  get votes(): boolean {
    if (this.duplicate !== undefined) return false;
    if (this.evicting && this.#monitor.strict) return false;
    return !this.#clock.suspect || this.#monitor.servers === 1;
  }

  /** A lock script's TIME, run between `lo` and `hi` on the client's monotonic clock. */
  time(lo: number, hi: number, us: number): void {
    const verdict = this.#clock.sample(lo, hi, us);
    if (verdict === undefined) return;
    if (verdict.suspect) {
      const voting = this.#monitor.servers === 1;
      const then = voting ? 'a warning only: it is the one server' : 'it does not count as a vote until it behaves';
      this.#monitor.suspect(this, 'clock', `${verdict.detail}; keys expire early or late there (${then})`, voting);
    } else {
      this.#monitor.trusted(this, 'clock');
    }
  }

  /** The text of INFO (any sections that include server, memory and stats). */
  info(text: string): void {
    const field = (name: string): string | undefined => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(text)?.[1];
    const runId = field('run_id');
    if (runId !== undefined && runId !== this.runId) {
      this.runId = runId;
      this.#evicted = undefined; // a new server run counts from zero
      this.#monitor.identify(this, runId);
    }
    const maxmemory = Number(field('maxmemory') ?? '0');
    const policy = field('maxmemory_policy') ?? 'noeviction';
    const evicting = maxmemory > 0 && policy !== 'noeviction';
    if (evicting && !this.evicting) {
      const strict = this.#monitor.strict;
      this.#monitor.suspect(
        this,
        'eviction',
        `maxmemory ${maxmemory} with maxmemory-policy ${policy} can evict lock keys, sequences and job markers; run lock servers with noeviction${strict ? ' (strict: it does not vote)' : ''}`,
        !strict,
      );
    }
    this.evicting = evicting;
    const evicted = Number(field('evicted_keys') ?? 'NaN');
    if (Number.isFinite(evicted)) {
      if (this.#evicted !== undefined && evicted > this.#evicted) {
        this.#monitor.suspect(
          this,
          'evicted',
          `evicted ${evicted - this.#evicted} keys since the last look: locks may have been lost there`,
          !this.#monitor.strict,
        );
      }
      this.#evicted = evicted;
    }
  }
}
