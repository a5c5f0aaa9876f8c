/**
 * The main process's side of bench/worker.ts: one contention worker process (scenario c's
 * 4-process rounds) driven over IPC. Rounds run in other processes so that the 4-process
 * configs measure the locks between processes, not one event loop's scheduling; each
 * pending round settles once, on its result, its error or the child's exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FromWorker, ProcessResult, RoundSpec, ToWorker, WorkerConfig } from './contention-round.js';

const root = path.resolve(import.meta.dirname, '..');

/** A worker process (bench/worker.ts) driven over IPC. */
export class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (r: ProcessResult) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  #seq = 0;

  constructor(config: WorkerConfig) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'worker.ts')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_WORKER: JSON.stringify(config) },
    });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => undefined);
    this.#child.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') readyResolve();
      else if (msg.type === 'result') this.#settle(msg.seq, msg.result, undefined);
      else {
        const error = new Error(`worker ${this.#child.pid}: ${msg.message}`);
        if (msg.seq === undefined) readyReject(error);
        else this.#settle(msg.seq, undefined, error);
      }
    });
    this.exited = new Promise<void>((resolve) => {
      this.#child.once('exit', (code, signal) => {
        const error = new Error(`worker ${this.#child.pid} exited (code ${code}, signal ${signal})`);
        readyReject(error);
        for (const seq of [...this.#pending.keys()]) this.#settle(seq, undefined, error);
        resolve();
      });
    });
  }

  #settle(seq: number, result: ProcessResult | undefined, error: Error | undefined): void {
    const p = this.#pending.get(seq);
    if (p === undefined) return;
    this.#pending.delete(seq);
    if (error) p.reject(error);
    else p.resolve(result!);
  }

  round(spec: RoundSpec): Promise<ProcessResult> {
    const seq = ++this.#seq;
    return new Promise<ProcessResult>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#child.send({ type: 'round', seq, spec } satisfies ToWorker);
    });
  }

  /** Asks it to close its connections and exit; SIGKILL (this child only) after 3 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.send({ type: 'exit' } satisfies ToWorker);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}
