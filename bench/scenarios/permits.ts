/**
 * Scenario "permits": taking one permit of a semaphore with 10 permits of which 9 are held,
 * then giving it back, sequentially, on 1 and 3 fresh servers. Tenure picks and takes a free
 * slot in one script call per server (sem-pick.lua: one round trip whichever permit is
 * free); redis-semaphore's `Semaphore` (1 server) and `RedlockSemaphore` (3) are the peers.
 * The 9 held permits are taken once, by other holders, before the rounds. Reported only.
 */
import { RedlockSemaphore, Semaphore } from 'redis-semaphore';
import type { Redis } from 'ioredis';
import type { TenureModule } from '../adapters.js';
import { connect } from '../connections.js';
import { DURATIONS, LABELS, SETTINGS } from '../config.js';
import { f0, ratio, table } from '../report.js';
import { onCleanup, withServers } from '../rig.js';
import { summarize } from '../stats.js';

const PERMITS = 10;
const HELD = 9;

export interface PermitResult {
  readonly instances: number;
  readonly lib: 'tenure' | 'redis-semaphore';
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
  readonly fails: number;
}

/** One library's take + release of a permit, as a function to time. */
type Take = () => Promise<() => Promise<unknown>>;

async function tenureTake(
  tenure: TenureModule,
  urls: readonly string[],
  name: string,
): Promise<{ take: Take; close: () => Promise<void> }> {
  const redlock = new tenure.Redlock([...urls]);
  const semaphore = redlock.semaphore(name, { permits: PERMITS, ttl: SETTINGS.ttl });
  for (let i = 0; i < HELD; i++) await semaphore.acquire();
  const take: Take = async () => {
    const permit = await semaphore.acquire();
    return () => permit.release();
  };
  return { take, close: () => redlock.close() };
}

function semaphoreTake(clients: Redis[], name: string): Take {
  const options = { lockTimeout: SETTINGS.ttl, acquireTimeout: SETTINGS.wait, retryInterval: SETTINGS.retryDelay, refreshInterval: 0 };
  const make = (): Semaphore | RedlockSemaphore =>
    clients.length === 1 ? new Semaphore(clients[0]!, name, PERMITS, options) : new RedlockSemaphore(clients, name, PERMITS, options);
  const take: Take = async () => {
    const s = make();
    await s.acquire();
    return () => s.release();
  };
  return take;
}

/** Sequential take + release for `ms`: latencies in µs, and the failures. */
async function round(take: Take, ms: number): Promise<{ samples: number[]; fails: number }> {
  const samples: number[] = [];
  let fails = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const a = performance.now();
    try {
      const release = await take();
      await release();
      samples.push((performance.now() - a) * 1000);
    } catch {
      fails++;
    }
  }
  return { samples, fails };
}

export async function scenarioPermits(tenure: TenureModule, log: (m: string) => void): Promise<PermitResult[]> {
  const out: PermitResult[] = [];
  for (const n of [1, 3]) {
    log(`permits: one of ${PERMITS}, ${HELD} held, ${n} instance(s)`);
    await withServers(n, async (set) => {
      const t = await tenureTake(tenure, set.urls, `pool${n}`);
      const clients = connect(set.urls);
      const close = onCleanup(async () => {
        await t.close();
        await Promise.allSettled(clients.map((c) => c.quit()));
      });
      try {
        const peer = semaphoreTake(clients, `pool${n}`);
        for (let i = 0; i < HELD; i++) await peer();
        const libs = [
          ['tenure', t.take],
          ['redis-semaphore', peer],
        ] as const;
        const data = new Map(libs.map(([lib]) => [lib, { samples: [] as number[], fails: 0 }]));
        for (let rep = -1; rep < DURATIONS.reps; rep++) {
          for (const [lib, take] of libs) {
            const r = await round(take, rep < 0 ? DURATIONS.warmMs : DURATIONS.extendRoundMs);
            if (rep < 0) continue; // warm-up
            data.get(lib)!.samples.push(...r.samples);
            data.get(lib)!.fails += r.fails;
          }
        }
        for (const [lib] of libs) {
          const d = data.get(lib)!;
          const s = summarize(d.samples);
          out.push({ instances: n, lib, p50: s.p50, p99: s.p99, samples: s.n, fails: d.fails });
        }
      } finally {
        await close();
      }
    });
  }
  return out;
}

export function permitsMarkdown(results: readonly PermitResult[]): string {
  if (results.length === 0) return '';
  const rows = results.map((r) => {
    const peer = results.find((p) => p.instances === r.instances && p.lib === 'redis-semaphore');
    const label = r.lib === 'tenure' ? 'tenure' : `${LABELS['redis-semaphore']} (${r.instances === 1 ? 'Semaphore' : 'RedlockSemaphore'})`;
    return [String(r.instances), label, f0(r.p50), f0(r.p99), f0(r.samples), String(r.fails), peer ? ratio(r.p50 / peer.p50) : '–'];
  });
  return [
    `## Permits: one of ${PERMITS} permits, ${HELD} held`,
    '',
    `Take one permit and give it back, sequentially, while ${HELD} of ${PERMITS} are held by others. µs. Tenure takes a free permit in one round trip whichever it is.`,
    '',
    table(['instances', 'library', 'p50 µs', 'p99 µs', 'samples', 'fails', '× redis-semaphore p50'], rows),
    '',
  ].join('\n');
}
