/**
 * A worker process of the fault suite, started by chaos/pool.ts as
 * `node --import tsx chaos/worker.ts`. For each run it is sent, it opens the library, then
 * loops: take the lock → read the checker's counter → hold → write counter + 1 → release,
 * reporting each section's enter and exit over IPC, until told to stop.
 */
import { loadTenure, type TenureModule } from '../bench/adapters.js';
import { makeLib, type Held, type LockLib } from './libs.js';
import { now, type FromWorker, type RunConfig, type ToWorker, type WorkerStats } from './protocol.js';

/** After `stop`, how long the loop may take to finish its section before the connections are closed under it. */
const STOP_GRACE_MS = 1_500;

let tenure: TenureModule | undefined;
let unhandled = 0;
let nextReq = 0;
const pending = new Map<number, (counter: number) => void>();

function send(msg: FromWorker): void {
  process.send?.(msg);
}

/** Asks the checker; resolves with the counter it answers. */
function ask(
  msg: { type: 'enter'; id: number; value: string; token: string | undefined; t: number } | { type: 'write'; id: number; counter: number },
): Promise<number> {
  const req = ++nextReq;
  return new Promise((resolve) => {
    pending.set(req, resolve);
    send({ ...msg, req });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

class Run {
  readonly #config: RunConfig;
  readonly #lib: LockLib;
  readonly #stop = new AbortController();
  readonly #errors: Record<string, number> = {};
  #sections = 0;
  readonly #loop: Promise<void>;

  readonly #worker: number;

  constructor(config: RunConfig, worker: number, t: TenureModule) {
    this.#config = config;
    this.#worker = worker;
    this.#lib = makeLib(config.lib, config.urls, t, config.tenure);
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const { resource, ttl } = this.#config;
    while (!this.#stop.signal.aborted) {
      try {
        await this.#lib.hold(resource, ttl, this.#stop.signal, (held) => this.#section(held));
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        const name = error instanceof Error ? error.name : typeof error;
        this.#errors[name] = (this.#errors[name] ?? 0) + 1;
        await sleep(10, this.#stop.signal); // a library that fails at once must not spin
      }
    }
  }

  /** The critical section: read, hold, write. A loss reported (or seen) before the write ends it there, unwritten. */
  async #section(held: Held): Promise<void> {
    // An acquisition that finished after `stop` does no work: the run is over (and its faults too).
    if (this.#stop.signal.aborted) return;
    const id = ++this.#sections;
    let lostAt: number | undefined = held.lost.aborted ? now() : undefined;
    const onLost = (): void => void (lostAt ??= now());
    held.lost.addEventListener('abort', onLost);
    try {
      const token = held.token === undefined ? undefined : held.token.toString();
      const enter = now();
      const counter = await ask({ type: 'enter', id, value: held.value, token, t: enter });
      await sleep(this.#hold(id), held.lost);
      // A careful user asks the library before writing: a late timer must not let a write through.
      if (lostAt === undefined && !held.holds()) lostAt = now();
      if (lostAt !== undefined) {
        // It believed it held the lock until the library said otherwise, or until the
        // library's own validity ended if that came first (a late timer is not a longer hold).
        const t = Math.max(enter, Math.min(lostAt, held.validUntil() ?? Infinity));
        send({ type: 'exit', id, t, wrote: false, lost: true });
        return;
      }
      await ask({ type: 'write', id, counter: counter + 1 });
      send({ type: 'exit', id, t: now(), wrote: true, lost: lostAt !== undefined });
    } finally {
      held.lost.removeEventListener('abort', onLost);
    }
  }

  /** Section `k`'s hold: a golden-ratio sequence, offset per worker, spread over [min, max]. */
  #hold(k: number): number {
    const [min, max] = this.#config.holdMs;
    const u = (this.#worker * 0.3819660113 + k * 0.6180339887) % 1;
    return min + u * (max - min);
  }

  async stop(): Promise<WorkerStats> {
    this.#stop.abort();
    const settled = (ms: number): Promise<unknown> => Promise.race([this.#loop, new Promise((r) => setTimeout(r, ms).unref())]);
    await settled(STOP_GRACE_MS);
    await this.#lib.close().catch(() => undefined);
    await settled(STOP_GRACE_MS);
    return { errors: this.#errors, unhandled };
  }
}

let run: Run | undefined;

function onMessage(msg: ToWorker): void {
  switch (msg.type) {
    case 'start':
      run = new Run(msg.run, msg.worker, tenure!);
      return;
    case 'stop': {
      const r = run;
      run = undefined;
      if (r) void r.stop().then((stats) => send({ type: 'stopped', stats }));
      else send({ type: 'stopped', stats: { errors: {}, unhandled } });
      return;
    }
    case 'reply': {
      const resolve = pending.get(msg.req);
      pending.delete(msg.req);
      resolve?.(msg.counter);
      return;
    }
    case 'exit':
      process.disconnect();
      process.exit(0);
  }
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('chaos/worker.ts runs as a child of the fault suite (it needs an IPC channel)');
  // A library's stray rejection or throw inside a timer is counted, not fatal: the run goes on.
  process.on('unhandledRejection', () => void unhandled++);
  process.on('uncaughtException', () => void unhandled++);
  process.on('disconnect', () => process.exit(0)); // the orchestrator went away
  tenure = await loadTenure('dist');
  process.on('message', onMessage);
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 100).unref();
});
