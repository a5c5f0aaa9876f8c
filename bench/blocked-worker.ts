/**
 * One contender of the "blocked loop" scenario, in a process of its own: until the deadline,
 * takes the lock through one library's `using()` (or its equivalent), reads a shared counter,
 * keeps its event loop busy (synchronous work) for 0.3–1.5 × ttl, then writes counter + 1.
 * Config in BENCH_BLOCKED (JSON); the result is one JSON line on stdout: each critical
 * section's [start, end] on the wall clock (performance.timeOrigin-based, ms) and counts.
 *
 * Tenure `using()` (keeper 'main' or 'thread'); node-redlock 5 `using()` (extends 500 ms
 * before expiry); redis-semaphore's RedlockMutex (refresh every ttl/3).
 */
import { Redis } from 'ioredis';
import Redlock5 from 'redlock5';
import { RedlockMutex } from 'redis-semaphore';
import { loadTenure, type TenureSource } from './adapters.js';

export type BlockedLib = 'tenure-thread' | 'tenure' | 'redlock5' | 'redis-semaphore';

export interface BlockedConfig {
  readonly lib: BlockedLib;
  readonly urls: readonly string[];
  /** The server the shared counter lives on (not one of the lock's). */
  readonly counterUrl: string;
  readonly counterKey: string;
  readonly resource: string;
  readonly ttl: number;
  /** Wall-clock ms (epoch) to stop taking the lock at. */
  readonly until: number;
  readonly tenureSource: TenureSource;
}

export interface BlockedSample {
  readonly sections: Array<[number, number]>;
  /** Sections whose library said the lock was lost (an error or an aborted signal). */
  readonly lostReported: number;
  /** Library calls that never settled (counted in lostReported too). */
  readonly stuck: number;
}

const wall = (): number => performance.timeOrigin + performance.now();

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // synchronous work: no timer, no I/O runs on this thread meanwhile
  }
}

type Run = (section: (signal?: AbortSignal) => Promise<void>) => Promise<void>;

async function library(c: BlockedConfig): Promise<{ run: Run; close: () => Promise<void> }> {
  if (c.lib === 'tenure' || c.lib === 'tenure-thread') {
    const { Redlock } = await loadTenure(c.tenureSource);
    const redlock = new Redlock([...c.urls], c.lib === 'tenure-thread' ? { keeper: 'thread' } : {});
    return {
      run: (section) => redlock.using(c.resource, { ttl: c.ttl, wait: 60_000 }, (lock) => section(lock.signal)),
      close: () => redlock.close(),
    };
  }
  const clients = c.urls.map((u) => new Redis(u));
  const close = async (): Promise<void> => void (await Promise.all(clients.map((cl) => cl.quit())));
  if (c.lib === 'redlock5') {
    const redlock = new Redlock5(clients, { retryCount: -1, retryDelay: 100, retryJitter: 50 });
    redlock.on('error', () => undefined); // contention reports
    return { run: (section) => redlock.using([c.resource], c.ttl, (signal) => section(signal)), close };
  }
  return {
    run: async (section) => {
      const mutex = new RedlockMutex(clients, c.resource, {
        lockTimeout: c.ttl,
        refreshInterval: Math.floor(c.ttl / 3),
        acquireTimeout: 60_000,
        retryInterval: 100,
        onLockLost: () => undefined,
      });
      await mutex.acquire();
      try {
        await section();
      } finally {
        await mutex.release();
      }
    },
    close,
  };
}

async function main(): Promise<void> {
  const c = JSON.parse(process.env['BENCH_BLOCKED'] ?? '') as BlockedConfig;
  const counter = new Redis(c.counterUrl);
  const { run, close } = await library(c);
  const sections: Array<[number, number]> = [];
  let lostReported = 0;
  let stuck = 0;
  while (wall() < c.until) {
    let lost = false;
    try {
      // node-redlock 5.0.0-beta.2's using() can fail to settle after its lock expired
      // mid-routine: a call that has not settled 5 × ttl after its section ended counts as
      // lost (stuck) and the contender goes on.
      let ended = Infinity;
      const call = run(async (signal) => {
        const start = wall();
        const seen = Number((await counter.get(c.counterKey)) ?? 0);
        spin(c.ttl * (0.3 + 1.2 * Math.random()));
        await counter.set(c.counterKey, String(seen + 1));
        sections.push([start, (ended = wall())]);
        if (signal?.aborted) lost = true;
      });
      for (;;) {
        const settled = await Promise.race([call.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), c.ttl))]);
        if (settled) break;
        if (wall() - ended > 5 * c.ttl) {
          stuck++;
          lost = true;
          call.catch(() => undefined);
          break;
        }
      }
    } catch {
      lost = true;
    }
    if (lost) lostReported++;
  }
  await Promise.race([close(), new Promise((r) => setTimeout(r, 2_000))]);
  counter.disconnect();
  const sample: BlockedSample = { sections, lostReported, stuck };
  process.stdout.write(JSON.stringify(sample) + '\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`blocked worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
