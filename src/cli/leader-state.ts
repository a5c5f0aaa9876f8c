/**
 * What `tenure leader --http` reports: who leads (from the election's `leader` events, the
 * term read with `redlock.inspect` when another leads), whether this process leads
 * (readiness), and whether its campaign is healthy (liveness) — unhealthy when it believes
 * it leads but its lease ran out more than a tolerance ago, as client-go's
 * leaderelection.HealthzAdaptor does, or when its campaign stopped unexpectedly.
 */
import { EventEmitter } from 'node:events';
import type { Election, Redlock } from '../index.js';
import { debug, human } from './common.js';

/** `GET /leader`. */
export interface LeaderView {
  /** The leader's id, or null when nobody leads (as far as this process knows). */
  readonly id: string | null;
  /** The leadership's term (its fencing token), as a string; null when unknown or nobody leads. */
  readonly term: string | null;
  /** When this process saw that leader take over (ISO 8601), or null before it knows. */
  readonly since: string | null;
  /** Whether this process is the leader. */
  readonly leading: boolean;
  /** This process's candidate id. */
  readonly candidate: string;
}

export interface HealthInput {
  /** Elected and not yet demoted, by the events. */
  readonly believed: boolean;
  /** The election's own account, from the clock: the lease still valid. */
  readonly leading: boolean;
  /** How long (ms) it has believed it leads with the lease run out. */
  readonly staleFor: number;
  readonly tolerance: number;
  /** Campaigning, or not campaigning on purpose (stopping a demoted term's command, exiting). */
  readonly campaignOk: boolean;
}

/** null when healthy, else why not. */
export function healthOf(h: HealthInput): string | null {
  if (h.believed && !h.leading && h.staleFor > h.tolerance) {
    return `believes it leads, but its lease ran out ${human(h.staleFor)} ago (tolerance ${human(h.tolerance)})`;
  }
  if (!h.campaignOk) return 'the campaign is not running';
  return null;
}

export class LeaderState extends EventEmitter<{ change: [LeaderView] }> {
  readonly #election: Election;
  readonly #redlock: Redlock;
  readonly #tolerance: number;
  readonly #campaignOk: () => boolean;
  #view: LeaderView;
  #believed = false;
  #staleSince: number | undefined;
  readonly #sampler: NodeJS.Timeout;

  constructor(election: Election, redlock: Redlock, tolerance: number, campaignOk: () => boolean) {
    super();
    this.#election = election;
    this.#redlock = redlock;
    this.#tolerance = tolerance;
    this.#campaignOk = campaignOk;
    this.#view = { id: null, term: null, since: null, leading: false, candidate: election.id };
    election.on('elected', () => (this.#believed = true));
    election.on('demoted', () => (this.#believed = false));
    election.on('leader', (id) => this.#changed(id));
    // Notice a stale belief even when nobody asks (a request then sees how long it lasted).
    this.#sampler = setInterval(() => this.health(), 100);
    this.#sampler.unref();
  }

  get view(): LeaderView {
    return { ...this.#view, leading: this.ready };
  }

  /** Whether this process leads now. */
  get ready(): boolean {
    return this.#election.isLeader;
  }

  health(): string | null {
    const leading = this.#election.isLeader;
    if (this.#believed && !leading) this.#staleSince ??= performance.now();
    else this.#staleSince = undefined;
    const staleFor = this.#staleSince === undefined ? 0 : performance.now() - this.#staleSince;
    return healthOf({ believed: this.#believed, leading, staleFor, tolerance: this.#tolerance, campaignOk: this.#campaignOk() });
  }

  close(): void {
    clearInterval(this.#sampler);
  }

  #changed(id: string | null): void {
    const since = new Date().toISOString();
    const own = id !== null && id === this.#election.id ? this.#election.term : undefined;
    this.#view = { ...this.#view, id, since, term: own?.toString() ?? null };
    this.emit('change', this.view);
    if (id === null || own !== undefined) return;
    // Another leads: its term is the election's highest fencing token.
    this.#redlock.inspect(`election:${this.#election.name}`).then(
      (info) => {
        if (this.#view.id !== id || this.#view.since !== since || info.fencingToken === null) return;
        this.#view = { ...this.#view, term: info.fencingToken.toString() };
        this.emit('change', this.view);
      },
      (error: unknown) => debug('leader term: %s', String(error)),
    );
  }
}
