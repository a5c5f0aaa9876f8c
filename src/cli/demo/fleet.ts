/**
 * The demo's worker processes: `tenure demo-worker`, spawned from this very CLI. Every one
 * is tracked and SIGKILLed when the demo ends — normally, on an error, on Ctrl-C, or at
 * process exit. Only processes started here are ever signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { decode, type WorkerEvent } from './events.js';

export interface Received {
  readonly worker: string;
  readonly event: WorkerEvent;
}

export interface WorkerSpec {
  readonly redis: readonly string[];
  readonly prefix: string;
  readonly ttl: number;
  readonly electionTtl: number;
  readonly work: number;
}

interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

type Listener = (r: Received) => void;

export class Fleet {
  /** Every event received, in order. */
  readonly history: Received[] = [];
  readonly #workers = new Map<string, Worker>();
  readonly #listeners = new Set<Listener>();
  readonly #stderr: string[] = [];
  readonly #killAll = (): void => this.kill();

  constructor() {
    process.on('exit', this.#killAll);
  }

  get names(): string[] {
    return [...this.#workers.keys()];
  }

  /** The last lines workers wrote to stderr (for an error report). */
  get stderr(): readonly string[] {
    return this.#stderr;
  }

  spawn(name: string, spec: WorkerSpec): void {
    const self = fileURLToPath(import.meta.url); // dist/cli.js: the CLI bundle
    const args = [self, 'demo-worker', '--name', name, '--prefix', spec.prefix];
    args.push('--ttl', `${spec.ttl}ms`, '--election-ttl', `${spec.electionTtl}ms`, '--work', `${spec.work}ms`);
    // The endpoints go in the environment, not the arguments: `ps` must not show a password.
    const env = { ...process.env, TENURE_REDIS: spec.redis.join(',') };
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = decode(line);
      if (event === undefined) return;
      const received = { worker: name, event };
      this.history.push(received);
      for (const l of this.#listeners) l(received);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.#stderr.push(`${name}: ${line}`);
      if (this.#stderr.length > 20) this.#stderr.shift();
    });
    this.#workers.set(name, { name, child, exited });
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The first event from `history[from]` on that `match` accepts: one already received, or
   * the next to arrive. Rejects after `timeout` ms or on abort.
   */
  next(match: (r: Received) => boolean, timeout: number, signal: AbortSignal, what: string, from = this.history.length): Promise<Received> {
    const seen = this.history.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        off();
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
      };
      const off = this.on((r) => {
        if (!match(r)) return;
        done();
        resolve(r);
      });
      const timer = setTimeout(() => (done(), reject(new Error(`the demo waited ${timeout} ms for ${what}`))), timeout);
      const aborted = (): void => (done(), reject(signal.reason as Error));
      signal.addEventListener('abort', aborted, { once: true });
      if (signal.aborted) aborted();
    });
  }

  signal(name: string, signal: NodeJS.Signals): void {
    const w = this.#workers.get(name);
    if (w === undefined || w.child.exitCode !== null || w.child.signalCode !== null) return;
    w.child.kill(signal);
  }

  /** Asks every worker to stop (SIGTERM: each resigns and releases), SIGKILL after `grace` ms. */
  async stop(grace: number): Promise<void> {
    for (const w of this.#workers.values()) {
      this.signal(w.name, 'SIGCONT');
      this.signal(w.name, 'SIGTERM');
    }
    const all = Promise.all([...this.#workers.values()].map((w) => w.exited));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, grace)))]);
    clearTimeout(timer);
    this.kill();
    await all;
  }

  /** SIGKILLs every worker still running (SIGCONT first, for a paused one). Synchronous. */
  kill(): void {
    for (const w of this.#workers.values()) {
      this.signal(w.name, 'SIGCONT');
      this.signal(w.name, 'SIGKILL');
    }
    process.off('exit', this.#killAll);
  }
}
