/**
 * The lease keeper: the one place liveness lives. A lock, an election or a semaphore hands
 * it a Lease; the keeper renews it every `interval`, retries a failed renewal while
 * validity remains, and calls `lost` exactly once when validity runs out or a quorum says
 * the lease is gone. With `interval: null` it only watches: `lost` fires at expiry.
 * All timers are unref'd: a kept lease never holds the process open.
 */

export interface Lease {
  /** Milliseconds of validity left now, on the monotonic clock. */
  remaining(): number;
  /** One renewal. Resolves 'renewed' or 'lost' (a quorum says it is gone); rejects on a transient failure. */
  renew(): Promise<'renewed' | 'lost'>;
  /** Called once: `expired` (validity ran out) or `taken` (a quorum no longer has it). */
  lost(reason: 'expired' | 'taken', cause?: unknown): void;
}

export interface KeeperOptions {
  /** Renew every `interval` ms; null to watch for expiry only. */
  readonly interval: number | null;
  /** Pause before retrying a failed renewal (bounded by the validity left). */
  readonly retry: number;
}

export class Keeper {
  readonly #lease: Lease;
  readonly #options: KeeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;
  /** The renewal on its way, settled once its answer is applied. */
  #applied: Promise<void> | undefined;
  #stopped = true;
  /** The last renewal's failure, until a renewal succeeds: the cause of an expiry. */
  #failure: unknown;

  constructor(lease: Lease, options: KeeperOptions) {
    this.#lease = lease;
    this.#options = options;
  }

  get running(): boolean {
    return !this.#stopped;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const left = this.#lease.remaining();
    this.#schedule(this.#options.interval === null ? left : Math.min(this.#options.interval, left));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Settles once no renewal is on its way (see KeeperLike.idle). */
  idle(): Promise<void> | undefined {
    return this.#renewing ? this.#applied : undefined;
  }

  /** Re-arm after the lease's validity changed from outside (a manual extend). */
  poke(): void {
    if (this.#stopped || this.#renewing || this.#options.interval !== null) return;
    this.#schedule(this.#lease.remaining());
  }

  #schedule(delay: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.ceil(delay)));
    this.#timer.unref();
  }

  #lose(reason: 'expired' | 'taken', cause?: unknown): void {
    if (this.#stopped) return;
    this.stop();
    this.#lease.lost(reason, cause);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const left = this.#lease.remaining();
    if (left <= 0) return this.#lose('expired', this.#failure);
    // A renewal in flight, or watch-only: look again when validity would run out.
    if (this.#renewing || this.#options.interval === null) return this.#schedule(left);
    this.#renewing = true;
    this.#schedule(left); // guard: lost at expiry even if the renewal never answers
    this.#applied = this.#lease.renew().then(
      (result) => {
        this.#renewing = false;
        this.#failure = undefined;
        if (this.#stopped) return;
        if (result === 'lost') return this.#lose('taken');
        this.#schedule(Math.min(this.#options.interval!, this.#lease.remaining()));
      },
      (error: unknown) => {
        this.#renewing = false;
        this.#failure = error;
        if (this.#stopped) return;
        const now = this.#lease.remaining();
        if (now <= 0) return this.#lose('expired', error);
        this.#schedule(Math.min(this.#options.retry, now));
      },
    );
  }
}
