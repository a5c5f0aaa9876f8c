/**
 * The worker processes, kept across runs (a tsx start costs ~0.5 s of CPU each): a run
 * sends every worker `start`, routes their reports to the run's checker, and `stop`s them.
 * A worker that does not stop in time is killed and replaced before the next run. Every
 * process is stopped by close(), and SIGKILLed when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { onCleanup } from '../bench/rig.js';
import type { FromWorker, RunConfig, ToWorker, WorkerStats } from './protocol.js';

const root = path.resolve(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Receives one worker's reports during a run. */
export type Reports = (worker: number, msg: FromWorker, reply: (msg: ToWorker) => void) => void;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  onReport: ((msg: FromWorker) => void) | undefined;
  #stopped: ((stats: WorkerStats) => void) | undefined;
  #exited = false;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'chaos', 'worker.ts')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this.child);
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('chaos worker: not ready in time')), READY_TIMEOUT_MS);
      this.child.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.type === 'stopped') {
          this.#stopped?.(msg.stats);
        } else if (msg.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`chaos worker: ${msg.message}`));
        } else {
          this.onReport?.(msg);
        }
      });
      this.child.once('exit', (code, signal) => {
        this.#exited = true;
        live.delete(this.child);
        clearTimeout(timer);
        reject(new Error(`chaos worker exited (code ${String(code)}, signal ${String(signal)})`));
        this.#stopped?.({ errors: { exited: 1 }, unhandled: 0 });
      });
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return !this.#exited;
  }

  send(msg: ToWorker): void {
    if (this.alive && this.child.connected) this.child.send(msg);
  }

  /** Stops the current run; resolves with its stats, or undefined when the worker had to be killed. */
  stop(): Promise<WorkerStats | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#stopped = undefined;
        this.kill();
        resolve(undefined);
      }, STOP_TIMEOUT_MS);
      this.#stopped = (stats) => {
        clearTimeout(timer);
        this.#stopped = undefined;
        resolve(stats);
      };
      this.send({ type: 'stop' });
    });
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.kill(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

export class WorkerPool {
  #workers: Worker[] = [];
  readonly #size: number;
  readonly #cleanup: () => Promise<void>;

  private constructor(size: number) {
    this.#size = size;
    this.#cleanup = onCleanup(() => this.#closeAll());
  }

  static async start(size: number): Promise<WorkerPool> {
    const pool = new WorkerPool(size);
    try {
      await pool.#fill();
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#size;
  }

  async #fill(): Promise<void> {
    this.#workers = this.#workers.filter((w) => w.alive);
    while (this.#workers.length < this.#size) this.#workers.push(new Worker());
    await Promise.all(this.#workers.map((w) => w.ready));
  }

  /** Starts `run` on every worker; reports go to `reports` until the returned stop() resolves. */
  async begin(run: RunConfig, reports: Reports): Promise<{ stop(): Promise<Array<WorkerStats | undefined>> }> {
    await this.#fill();
    const workers = [...this.#workers];
    workers.forEach((w, i) => {
      w.onReport = (msg) => reports(i, msg, (reply) => w.send(reply));
      w.send({ type: 'start', run, worker: i });
    });
    return {
      stop: async () => {
        const stats = await Promise.all(workers.map((w) => w.stop()));
        for (const w of workers) w.onReport = undefined;
        return stats;
      },
    };
  }

  async #closeAll(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.close()));
    this.#workers = [];
  }

  close(): Promise<void> {
    return this.#cleanup();
  }
}
