/**
 * One "held" round in a process of its own (so its CPU time is its own): holds `count`
 * auto-extended locks for `holdMs` through one library, then reports the process's CPU time
 * and memory over the hold. Config in BENCH_HELD (JSON); the result is one JSON line on stdout.
 *
 * Every library auto-extends as a user would: Tenure `acquire({ autoExtend: true })` (its
 * batched keeper, or one renewal per lock with `renewBatch: 1`); node-redlock 5 `using()`;
 * redis-semaphore's refresh timer (refreshInterval ttl/3).
 *
 * Both counts of the first server are taken here, over the same window as the CPU time:
 * the requests it was sent, counted in this process as ioredis writes them (bench/requests.ts),
 * and the commands it ran, script internals included, from its own counters.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import Redlock5 from 'redlock5';
import { Mutex, RedlockMutex } from 'redis-semaphore';
import { loadTenure, type TenureSource } from './adapters.js';
import { countRequests } from './requests.js';

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
  /** How long the hold lasted, ms (measured). */
  readonly heldMs: number;
  /** Requests sent to each server over the hold, in `urls` order. */
  readonly requests: number[];
  /** The first server's counts over the hold (between two INFOs written as the window opens and closes): */
  readonly server: {
    /** commands it ran, those scripts ran included (total_commands_processed); */
    readonly commands: number;
    /** script calls among them (EVAL, EVALSHA, FCALL and their _RO forms): requests, each; */
    readonly scripts: number;
    /** over this many ms. */
    readonly ms: number;
  };
  /** Resident set size growth from before taking the locks to the end of the hold, MB. */
  readonly rssMb: number;
  readonly heapMb: number;
  /** Locks still held at the end. */
  readonly held: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One look at a server's counters: one INFO (which total_commands_processed counts, once). */
async function counters(client: Redis): Promise<{ total: number; scripts: number }> {
  const text = await client.info('stats', 'commandstats');
  const total = Number(/^total_commands_processed:(\d+)/m.exec(text)?.[1] ?? NaN);
  let scripts = 0;
  for (const m of text.matchAll(/^cmdstat_(?:eval|evalsha|fcall)(?:_ro)?:calls=(\d+)/gm)) scripts += Number(m[1]);
  return { total, scripts };
}

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
  const requests = countRequests(config.urls);
  const admin = new Redis(config.urls[0]!); // reads the first server's counters around the hold
  requests.ignore(admin); // (its INFOs are no request of the library's)
  const before = process.memoryUsage();
  const release = await hold(config);
  await counters(admin); // (connected, so that the INFO below is written at once)
  // The window: counting starts as the first INFO is written, and stops as the second is
  // (ioredis writes a command on a ready connection synchronously), so the client's count and
  // the server's cover the same commands but for the few in flight at either edge — even
  // when a busy event loop reads the INFO replies late.
  requests.start();
  const a = counters(admin);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await sleep(config.holdMs);
  const b = counters(admin);
  const sent = requests.read();
  const heldMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const after = process.memoryUsage();
  const [first, last] = await Promise.all([a, b]);
  admin.disconnect();
  const held = await release();
  const sample: HeldSample = {
    cpuMs: (used.user + used.system) / 1000,
    heldMs,
    requests: sent,
    // − 1: the first look's own INFO, which the second look counts.
    server: { commands: last.total - first.total - 1, scripts: last.scripts - first.scripts, ms: heldMs },
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
