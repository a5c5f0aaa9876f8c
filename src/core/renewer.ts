/**
 * The batched keeper: one per Redlock, renewing every lease that is due with one script call
 * per server (extend-batch.lua, up to `batch` leases per call, a result per lease), instead
 * of one call per lease per server. Locks, elections and semaphore permits all renew here.
 *
 * A lease's safety is unchanged: its validity is computed from the moment its batch was sent
 * (start + ttl − drift), a lease that a quorum says is gone is lost at once, and a lease whose
 * batch failed is retried while validity remains, and lost when it runs out. Leases are
 * grouped by renewing early: at each tick every lease due within a sixth of its ttl goes,
 * so no lease is renewed later than ttl/3 after its last renewal, and leases of any ttl that
 * fall due close together share their calls. One timer for all leases.
 */
import type { InstanceOutcome } from '../errors.js';
import * as lua from '../lua/scripts.generated.js';
import type { Context } from './context.js';
import type { Ballot } from './ballot.js';
import { BatchArgs, valueBytes } from './batch-args.js';
import { fanOut } from './fan-out.js';
import type { KeeperOptions, Lease } from './keeper.js';
import { byQuarantine } from './quarantine.js';
import { decodeBatch } from './replies.js';

/** One lease's answers from one batch. */
export interface Tally {
  readonly yes: number;
  readonly no: number;
  /** Per server, in endpoint order. */
  readonly outcomes: InstanceOutcome[];
}

/** What the renewer needs to renew a lease itself. */
export interface Renewable extends Lease {
  readonly keys: readonly string[];
  readonly value: string;
  /** The ttl to renew to (the one asked for last). */
  ttl(): number;
  /** Applies a batch's answers; the lease decides ('lost' means it has marked itself lost). */
  apply(start: number, ttl: number, tally: Tally): 'renewed' | 'lost' | 'failed';
}

/** The shape of core/keeper.ts's Keeper that a lock uses. */
export interface KeeperLike {
  readonly running: boolean;
  start(): void;
  stop(): void;
  poke(): void;
  /**
   * Settles once no renewal of this lease is on its way (its answer applied); undefined when
   * none is (no await on the hot path). A release waits for it, since a renewal re-takes keys a server lost — keys the release would then delete
   * and count as held.
   */
  idle(): Promise<void> | undefined;
}

interface Entry {
  readonly lease: Renewable;
  readonly interval: number;
  readonly retry: number;
  /** The value's length in bytes (extend-batch.lua's layout). */
  readonly bytes: number;
  /** Monotonic time the next renewal is due. */
  due: number;
  /** Settles when the renewal on its way (if `renewing`) has been applied. */
  applied: Promise<void> | undefined;
  renewing: boolean;
  failure: unknown;
}

export class Renewer {
  readonly #ctx: Context;
  readonly #batch: number;
  readonly #entries = new Set<Entry>();
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity;

  constructor(ctx: Context, batch: number) {
    this.#ctx = ctx;
    this.#batch = batch;
  }

  /** How many leases it keeps. */
  get size(): number {
    return this.#entries.size;
  }

  /** A keeper for one lease, renewing every `options.interval` ms through the batches. */
  keep(lease: Renewable, options: KeeperOptions & { interval: number }): KeeperLike {
    const entry: Entry = {
      lease,
      interval: options.interval,
      retry: options.retry,
      bytes: valueBytes(lease.value),
      due: 0,
      renewing: false,
      applied: undefined,
      failure: undefined,
    };
    let running = false;
    return {
      get running() {
        return running;
      },
      start: () => {
        if (running) return;
        running = true;
        entry.due = this.#now() + Math.min(options.interval, lease.remaining());
        this.#entries.add(entry);
        this.#arm(entry.due);
      },
      stop: () => {
        running = false;
        this.#entries.delete(entry);
      },
      poke: () => undefined, // validity is read from the lease at every tick
      idle: () => (entry.renewing ? entry.applied : undefined),
    };
  }

  #now(): number {
    return this.#ctx.options.clock.now();
  }

  /** Makes sure the one timer fires by `at`. */
  #arm(at: number): void {
    if (this.#timer !== undefined && this.#at <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.ceil(at - this.#now())));
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#at = Infinity;
    const now = this.#now();
    const due: Entry[] = [];
    let next = Infinity;
    for (const entry of this.#entries) {
      const left = entry.lease.remaining();
      if (left <= 0) {
        this.#entries.delete(entry);
        entry.lease.lost('expired', entry.failure);
        continue;
      }
      if (!entry.renewing && entry.due - now <= entry.interval / 2)
        due.push(entry); // up to ttl/6 early
      else next = Math.min(next, entry.renewing ? now + left : entry.due);
      next = Math.min(next, now + left); // lost at expiry even if no answer comes
    }
    for (let i = 0; i < due.length; i += this.#batch) void this.#send(due.slice(i, i + this.#batch));
    if (next < Infinity) this.#arm(next);
  }

  async #send(entries: Entry[]): Promise<void> {
    let applied!: () => void;
    const done = new Promise<void>((resolve) => (applied = resolve));
    try {
      await this.#renew(entries, done);
    } finally {
      applied();
    }
  }

  async #renew(entries: Entry[], done: Promise<void>): Promise<void> {
    // The keys and arguments are built once, for every server (core/batch-args.ts).
    const batch = new BatchArgs();
    const ttls: number[] = [];
    let shortest = Infinity;
    for (const e of entries) {
      e.renewing = true;
      e.applied = done;
      const ttl = e.lease.ttl();
      ttls.push(ttl);
      shortest = Math.min(shortest, ttl);
      batch.add(e.lease.keys, e.lease.value, e.bytes, ttl);
    }
    const start = this.#now();
    let failure: unknown;
    let ballot: Ballot<readonly number[]> | undefined;
    try {
      const [layout, values] = batch.argv();
      // One round trip per server: EVALSHA of extend-batch.lua, every lease of the batch.
      ballot = await fanOut(this.#ctx, {
        script: byQuarantine(this.#ctx, (q) => lua.extendBatch({ lock: batch.keys, marker: q.marker }, { layout, values, ...q.args })),
        yes: 'extended',
        decode: (reply) => decodeBatch(reply, entries.length),
        grants: true,
        timeout: Math.min(this.#ctx.options.commandTimeout, shortest),
      });
    } catch (error) {
      failure = error;
    }
    const now = this.#now();
    // The common case: a quorum extended every lease of the batch; one tally serves them all.
    const all: Tally | undefined = ballot?.verdict === 'quorum' ? { yes: ballot.yes, no: 0, outcomes: ballot.outcomes } : undefined;
    let next = Infinity;
    for (let l = 0; l < entries.length; l++) {
      const e = entries[l]!;
      e.renewing = false;
      if (!this.#entries.has(e)) continue; // stopped meanwhile
      const verdict = ballot === undefined ? 'failed' : e.lease.apply(start, ttls[l]!, all ?? tally(this.#ctx, ballot, l));
      if (verdict === 'lost') {
        this.#entries.delete(e);
        continue;
      }
      if (verdict === 'renewed') {
        e.failure = undefined;
        e.due = now + Math.min(e.interval, e.lease.remaining());
      } else {
        e.failure = failure ?? new Error('a renewal did not reach a quorum');
        e.due = now + Math.min(e.retry, e.lease.remaining());
      }
      next = Math.min(next, e.due);
    }
    if (next < Infinity) this.#arm(next); // once for the batch
  }
}

/**
 * Lease `l`'s answers in a batch ballot: a server counts yes only where its code is 1 and it
 * is in good standing (the poll discounted the all-extended answers of suspect servers itself).
 */
function tally(ctx: Context, ballot: Ballot<readonly number[]>, l: number): Tally {
  let yes = 0;
  let no = 0;
  const outcomes = ballot.outcomes.map((o, i): InstanceOutcome => {
    if (o.status === 'extended') {
      yes++;
      return o;
    }
    const code = ballot.data[i]?.[l];
    if (o.status !== 'not-held' || code === undefined) return o; // error, pending, suspect
    if (code === 1) {
      if (!ctx.instances[i]!.health.votes) return { ...o, status: 'suspect' };
      yes++;
      return { ...o, status: 'extended' };
    }
    no++;
    return { ...o, status: code === 3 ? 'retaken' : 'not-held' };
  });
  return { yes, no, outcomes };
}
