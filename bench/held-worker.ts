/**
 * One "held" round in a process of its own (so its CPU time is its own): holds `count`
 * auto-extended locks for `holdMs` through one library, then reports the process's CPU time
 * and memory over the hold. Config in BENCH_HELD (JSON); the result is one JSON line on stdout.
 *
 * Every library auto-extends as a user would: Tenure `acquire({ autoExtend: true })` (its
 * batched keeper, or one renewal per lock with `renewBatch: 1`); node-redlock 5 `using()`;
 * redis-semaphore's refresh timer (refreshInterval ttl/3).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import Redlock5 from 'redlock5';
import { Mutex, RedlockMutex } from 'redis-semaphore';
import { loadTenure, type TenureSource } from './adapters.js';

export interface HeldConfig {
  readonly lib: 'tenure' | 'tenure-unbatched' | 'redlock5' | 'redis-semaphore';
  readonly urls: readonly string[];
  readonly count: number;
  readonly ttl: number;
  readonly holdMs: number;
  readonly tenureSource: TenureSource;
}

export interface HeldSample {
  /** CPU time (user + system) over the hold, ms. */
  readonly cpuMs: number;
  /** Resident set size growth from before taking the locks to the end of the hold, MB. */
  readonly rssMb: number;
  readonly heapMb: number;
  /** Locks still held at the end. */
  readonly held: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the locks; resolves a function that releases them and tells how many were still held. */
async function hold(c: HeldConfig): Promise<() => Promise<number>> {
  const keys = Array.from({ length: c.count }, (_, i) => `held:${randomUUID()}:${i}`);
  if (c.lib === 'tenure' || c.lib === 'tenure-unbatched') {
    const { Redlock } = await loadTenure(c.tenureSource);
    const redlock = new Redlock([...c.urls], { renewBatch: c.lib === 'tenure' ? 100 : 1, autoPipelining: true });
    const locks: Awaited<ReturnType<typeof redlock.acquire>>[] = [];
    for (let i = 0; i < keys.length; i += 500)
      locks.push(...(await Promise.all(keys.slice(i, i + 500).map((k) => redlock.acquire(k, { ttl: c.ttl, autoExtend: true })))));
    return async () => {
      const held = locks.filter((l) => l.isHeld).length;
      await redlock.close();
      return held;
    };
  }
  const clients = c.urls.map((u) => new Redis(u, { enableAutoPipelining: true }));
  if (c.lib === 'redlock5') {
    const redlock = new Redlock5(clients, { retryCount: 100, retryDelay: 100 });
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let held = 0;
    const runs = keys.map((k) =>
      redlock.using([k], c.ttl, async (signal) => {
        held++;
        await stopped;
        if (signal.aborted) held--;
      }),
    );
    while (held < keys.length) await sleep(20);
    return async () => {
      stop();
      await Promise.allSettled(runs);
      await Promise.all(clients.map((cl) => cl.quit()));
      return held;
    };
  }
  const mutexes = keys.map((k) => {
    const options = { lockTimeout: c.ttl, refreshInterval: Math.floor(c.ttl / 3), acquireTimeout: 10_000 };
    return clients.length === 1 ? new Mutex(clients[0]!, k, options) : new RedlockMutex(clients, k, options);
  });
  for (let i = 0; i < mutexes.length; i += 500) await Promise.all(mutexes.slice(i, i + 500).map((m) => m.acquire()));
  return async () => {
    const held = mutexes.filter((m) => m.isAcquired).length;
    await Promise.allSettled(mutexes.map((m) => m.release()));
    await Promise.all(clients.map((cl) => cl.quit()));
    return held;
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env['BENCH_HELD'] ?? '') as HeldConfig;
  const before = process.memoryUsage();
  const release = await hold(config);
  process.stdout.write('holding\n'); // the parent counts the servers' commands from here
  const cpu = process.cpuUsage();
  await sleep(config.holdMs);
  const used = process.cpuUsage(cpu);
  const after = process.memoryUsage();
  process.stdout.write('releasing\n');
  await sleep(100); // the parent's count of the hold is taken before the releases
  const held = await release();
  const sample: HeldSample = {
    cpuMs: (used.user + used.system) / 1000,
    rssMb: (after.rss - before.rss) / 2 ** 20,
    heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20,
    held,
  };
  process.stdout.write(JSON.stringify(sample) + '\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`held worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
