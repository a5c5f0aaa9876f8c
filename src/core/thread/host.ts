/**
 * The main thread's side of `keeper: 'thread'`: one worker thread per Redlock (started with
 * the Redlock), a heartbeat, and a KeeperLike per lease whose validity lives in
 * shared memory (shared.ts). The lease reads its validity from there (`validUntil()`), so
 * `isHeld` is false at once when the thread found the lease lost, even while its message is
 * still queued; the message then makes the lease lost (signal, events) when the main thread
 * runs. If the thread dies, every lease it kept is reported lost at once.
 * The heartbeat timer and the thread are unref'd: neither keeps the process alive.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { debuglog } from 'node:util';
import { Worker } from 'node:worker_threads';
import { HEARTBEAT, THREAD_KEEPER_DEFAULTS } from '../../options/index.js';
import type { Context } from '../context.js';
import type { KeeperOptions } from '../keeper.js';
import type { KeeperLike, Renewable } from '../renewer.js';
import { threadEndpoints } from './endpoints.js';
import { CAPACITY, Shared, type FromThread, type ThreadEndpoint, type ThreadInit, type ToThread } from './shared.js';
import { markerKey } from '../../keys.js';

const debug = debuglog('tenure');

/** A lease keeper whose validity the lease reads from shared memory. */
export interface SharedKeeper extends KeeperLike {
  /** The validity end (monotonic ms); -Infinity once the thread found the lease lost; undefined once stopped. */
  validUntil(): number | undefined;
}

interface Kept {
  readonly lease: Renewable;
  readonly onRenewed: () => void;
}

export class ThreadKeeper {
  readonly #ctx: Context;
  readonly #endpoints: readonly ThreadEndpoint[];
  readonly #shared: Shared;
  readonly #kept = new Map<number, Kept>();
  readonly #free: number[] = Array.from({ length: CAPACITY }, (_, i) => CAPACITY - 1 - i);
  #worker: Worker | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  #exited: Promise<void> | undefined;
  #ready: (() => void) | undefined;
  /**
   * Resolves once the thread runs (or could not start: its leases are then reported lost);
   * undefined after that, so an acquisition does not wait on it.
   */
  ready: Promise<void> | undefined;

  /**
   * Throws a TypeError when a server cannot be reached from a thread. The thread starts now
   * (it connects as the Redlock's own connections do), so that it is up by the first lease.
   */
  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.#endpoints = threadEndpoints(ctx.instances);
    this.#shared = new Shared(ctx.instances.length);
    this.#start();
  }

  /** A keeper for one lease, renewing every `options.interval` ms on the thread; undefined when full or closed. */
  keep(lease: Renewable, options: KeeperOptions & { interval: number }, onRenewed: () => void): SharedKeeper | undefined {
    if (this.#closed || this.#free.length === 0) return undefined;
    const slot = this.#free.pop()!;
    const shared = this.#shared;
    const maxStall = this.#ctx.options.maxStall ?? THREAD_KEEPER_DEFAULTS.maxStall(lease.ttl());
    let running = false;
    return {
      get running() {
        return running;
      },
      validUntil: () => (running ? (shared.validUntil(slot) ?? -Infinity) : undefined),
      // (Renewals run on the keeper thread: a release does not wait for one on its way.)
      idle: () => undefined,
      start: () => {
        if (running) return;
        const until = this.#ctx.options.clock.now() + lease.remaining(); // (read before the slot is in use)
        running = true;
        this.#start();
        shared.open(slot, until);
        this.#kept.set(slot, { lease, onRenewed });
        const { interval, retry } = options;
        this.#post({ t: 'keep', slot, keys: lease.keys, value: lease.value, ttl: lease.ttl(), interval, retry, maxStall });
      },
      stop: () => {
        if (!running) return;
        running = false;
        this.#kept.delete(slot);
        // The slot is reused once the thread says it dropped the lease (no late write lands on a new one).
        if (this.#worker === undefined) this.#release(slot);
        else this.#post({ t: 'drop', slot });
      },
      // A manual extend: the thread reads validity from the slot, so it learns of it there.
      poke: () => shared.raise(slot, this.#ctx.options.clock.now() + lease.remaining()),
    };
  }

  #start(): void {
    if (this.#worker !== undefined) return;
    this.#beat();
    const init: ThreadInit = {
      origin: performance.timeOrigin,
      buffer: this.#shared.buffer,
      endpoints: this.#endpoints,
      quorum: this.#ctx.quorum,
      driftFactor: this.#ctx.options.driftFactor,
      commandTimeout: this.#ctx.options.commandTimeout,
      batch: this.#ctx.options.renewBatch,
      quarantine: this.#ctx.options.restartQuarantine,
      marker: markerKey(this.#ctx.options.keyPrefix),
    };
    this.ready = new Promise<void>((resolve) => (this.#ready = resolve));
    const worker = spawn(init);
    this.#worker = worker;
    worker.on('message', (m: FromThread) => this.#message(m));
    worker.on('error', (error) => debug('keeper thread: %s', error.message));
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.once('exit', (code) => this.#exit(code));
    worker.unref(); // after the listeners: adding a 'message' listener refs the port again
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT);
    this.#heartbeat.unref();
  }

  #beat(): void {
    this.#shared.beat(this.#ctx.options.clock.now());
    this.#ctx.instances.forEach((instance, i) => this.#shared.setVotes(i, instance.health.votes));
  }

  #message(m: FromThread): void {
    if (m.t === 'renewed') this.#kept.get(m.slot)?.onRenewed();
    else if (m.t === 'dropped') this.#release(m.slot);
    else if (m.t === 'lost') {
      const kept = this.#kept.get(m.slot);
      this.#kept.delete(m.slot);
      kept?.lease.lost(m.reason, new Error(`keeper thread: ${m.why}`));
    } else if (m.t === 'ready') {
      this.#up();
      const now = this.#ctx.options.clock.now();
      if (m.now > now + 1) debug('keeper thread: its clock maps %d ms ahead of ours', m.now - now);
    }
  }

  #release(slot: number): void {
    this.#shared.free(slot);
    this.#free.push(slot);
  }

  #up(): void {
    this.ready = undefined;
    this.#ready?.();
  }

  #exit(code: number): void {
    this.#worker = undefined;
    this.#up();
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    if (this.#closed) return;
    // Died on its own: nobody renews these leases any more; say so now rather than at expiry.
    const error = new Error(`the keeper thread exited (code ${code})`);
    for (const [slot, kept] of this.#kept) {
      this.#kept.delete(slot);
      this.#shared.lose(slot);
      kept.lease.lost('expired', error);
    }
  }

  #post(message: ToThread): void {
    this.#worker?.postMessage(message);
  }

  /** Stops the thread; it closes its connections first (bounded), then it is terminated. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#post({ t: 'close' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#exited, new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
    if (this.#worker !== undefined) await worker.terminate();
  }
}

/** The worker: dist/keeper-thread.js next to the bundle; from the sources, worker.ts through tsx. */
function spawn(init: ThreadInit): Worker {
  // The process's flags, less those that only make sense for its main script (`node --input-type=module -e`).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const here = typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
  if (/\.[cm]?ts$/.test(fileURLToPath(here))) {
    const file = new URL('./worker.ts', here).href;
    const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); })`;
    return new Worker(code, { eval: true, workerData: init, execArgv });
  }
  return new Worker(new URL('./keeper-thread.js', here), { workerData: init, execArgv });
}
