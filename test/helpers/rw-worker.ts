/** Test rig: a read-write lock client in its own process (test/faults/fixtures/rw-worker.mjs). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { distEntry } from './build.js';
import { defer } from './tenure.js';

const fixture = join(import.meta.dirname, '..', 'faults', 'fixtures', 'rw-worker.mjs');

export interface Reply {
  readonly held?: boolean;
  readonly n?: number;
  readonly token?: string;
  readonly at?: number;
  readonly released?: boolean;
  readonly intervals?: Array<[number, number]>;
  readonly error?: string;
}

export class RwWorker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, (r: Reply) => void>();
  #next = 0;
  readonly ready: Promise<void>;

  constructor(urls: readonly string[], keyPrefix: string, name: string) {
    this.child = spawn(process.execPath, [fixture, distEntry, urls.join(','), keyPrefix, name], { stdio: 'pipe' });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    defer(() => this.child.kill('SIGKILL'));
    let ready: () => void;
    this.ready = new Promise((resolve) => (ready = resolve));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as Reply & { id?: number; ready?: boolean };
      if (m.ready) return ready();
      this.#pending.get(m.id!)?.(m);
      this.#pending.delete(m.id!);
    });
  }

  /** Sends a request and resolves its reply (rejects on an error reply or if the process exits). */
  call(request: Record<string, unknown>): Promise<Reply> {
    const id = this.#next++;
    return new Promise<Reply>((resolve, reject) => {
      const onExit = (code: number | null): void =>
        reject(new Error(`rw worker exited (${code}) before answering ${JSON.stringify(request)}`));
      this.child.once('exit', onExit);
      this.#pending.set(id, (r) => {
        this.child.off('exit', onExit);
        if (r.error) reject(new Error(r.error));
        else resolve(r);
      });
      this.child.stdin.write(JSON.stringify({ id, ...request }) + '\n');
    });
  }

  take(side: 'read' | 'write', how: 'try' | 'acquire', opts: Record<string, unknown> = {}): Promise<Reply> {
    return this.call({ op: 'take', side, how, opts });
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/** `count` workers, each ready. */
export async function rwWorkers(count: number, urls: readonly string[], keyPrefix: string, name: string): Promise<RwWorker[]> {
  const workers = Array.from({ length: count }, () => new RwWorker(urls, keyPrefix, name));
  await Promise.all(workers.map((w) => w.ready));
  return workers;
}
