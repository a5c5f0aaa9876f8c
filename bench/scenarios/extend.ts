/**
 * Scenario e: extend. Sequential extends of one held lock, on 1 and 3 fresh servers: what
 * renewing a lease costs, which a long-held lock pays every ttl/3 or so for as long as it
 * is held. redis-semaphore has no public extend; its adapter calls the internal
 * `_refresh()` its own refresh timer uses. Reported only: there is no target.
 */
import type { Adapter, TenureModule } from '../adapters.js';
import { DURATIONS, LABELS, LIBS, SETTINGS, type LibName } from '../config.js';
import { byLib, f0, ratio, table } from '../report.js';
import type { ExtendResult } from '../results-types.js';
import { withServers } from '../rig.js';
import { summarize } from '../stats.js';
import { get, open } from './shared.js';

/** Sequential extends of one lock held for the round, `ms` long: each extend's latency (µs), the time taken, the failures. */
async function extendRound(adapter: Adapter, key: string, ms: number): Promise<{ samples: number[]; ms: number; fails: number }> {
  const held = await adapter.acquire(key, SETTINGS.ttl);
  const samples: number[] = [];
  let fails = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    const a = performance.now();
    try {
      await held.extend(SETTINGS.ttl);
      samples.push((performance.now() - a) * 1000);
    } catch {
      fails++;
    }
  }
  const elapsed = performance.now() - start;
  await held.release();
  return { samples, ms: elapsed, fails };
}

/** Every library on 1 and 3 fresh servers: a warm-up round each, then interleaved rounds. */
export async function scenarioExtend(tenure: TenureModule, log: (m: string) => void): Promise<ExtendResult[]> {
  const out: ExtendResult[] = [];
  for (const n of [1, 3]) {
    log(`e. extend throughput, ${n} instance(s)`);
    await withServers(n, async (set) => {
      const opened = await open(set.urls, tenure);
      try {
        const data = new Map<LibName, { samples: number[]; ms: number; fails: number }>(
          LIBS.map((l) => [l, { samples: [], ms: 0, fails: 0 }]),
        );
        for (let rep = -1; rep < DURATIONS.reps; rep++) {
          for (const lib of LIBS) {
            const ms = rep < 0 ? DURATIONS.warmMs / LIBS.length : DURATIONS.extendRoundMs;
            const r = await extendRound(get(opened, lib), `e:${n}:${rep}:${lib}`, ms);
            if (rep < 0) continue; // warm-up round
            const d = data.get(lib)!;
            d.samples.push(...r.samples);
            d.ms += r.ms;
            d.fails += r.fails;
          }
        }
        for (const lib of LIBS) {
          const d = data.get(lib)!;
          out.push({
            instances: n,
            lib,
            ops: d.samples.length,
            ms: d.ms,
            opsPerSec: (d.samples.length / d.ms) * 1000,
            latencyMicros: summarize(d.samples),
            fails: d.fails,
          });
        }
      } finally {
        await opened.close();
      }
    });
  }
  return out;
}

/** The section's table: one row per instance count and library. */
export function extendMarkdown(results: readonly ExtendResult[]): string {
  const rows: string[][] = [];
  for (const n of [...new Set(results.map((r) => r.instances))]) {
    const group = results.filter((r) => r.instances === n);
    const raw = byLib(group, 'raw')?.opsPerSec ?? NaN;
    for (const lib of LIBS) {
      const r = byLib(group, lib);
      if (r === undefined) continue;
      rows.push([
        String(n),
        LABELS[lib],
        f0(r.opsPerSec),
        f0(r.latencyMicros.p50),
        f0(r.latencyMicros.p99),
        String(r.fails),
        ratio(r.opsPerSec / raw),
      ]);
    }
  }
  return [
    '## e. Extend throughput',
    '',
    'Sequential extends of one held lock. redis-semaphore has no public extend: it is called through its internal `_refresh()`.',
    '',
    table(['instances', 'library', 'extends/s', 'p50 µs', 'p99 µs', 'fails', '× raw'], rows),
    '',
  ].join('\n');
}
