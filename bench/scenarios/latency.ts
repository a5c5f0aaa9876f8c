/**
 * Scenario a: uncontended latency. One acquire and its release, sequentially, on one key,
 * on 1, 3 and 5 fresh servers: the cost a library adds to every lock when nobody else
 * wants it, against the raw floor (SET NX PX + compare-and-delete with no library). Rounds
 * are short and interleaved (each library one round, then the next), many of them, so that
 * drift in the machine's load lands on every library alike.
 */
import type { TenureModule } from '../adapters.js';
import { DURATIONS, LABELS, LIBS, type LibName } from '../config.js';
import { byLib, f0, ratio, table } from '../report.js';
import type { LatencyResult, Target } from '../results-types.js';
import { withServers } from '../rig.js';
import { summarize } from '../stats.js';
import { get, open, sequential, warm } from './shared.js';

/** Every library on 1, 3 and 5 fresh servers: interleaved short rounds, all samples pooled. */
export async function scenarioLatency(tenure: TenureModule, log: (m: string) => void): Promise<LatencyResult[]> {
  const out: LatencyResult[] = [];
  for (const n of [1, 3, 5]) {
    log(`a. uncontended latency, ${n} instance(s)`);
    await withServers(n, async (set) => {
      const opened = await open(set.urls, tenure);
      try {
        await warm(opened, DURATIONS.warmMs);
        const samples = new Map<LibName, number[]>(LIBS.map((l) => [l, []]));
        const roundP50 = new Map<LibName, number[]>(LIBS.map((l) => [l, []]));
        const fails = new Map<LibName, number>(LIBS.map((l) => [l, 0]));
        for (let rep = 0; rep < DURATIONS.latencyReps; rep++) {
          for (const lib of LIBS) {
            const r = await sequential(get(opened, lib), `a:${n}:${lib}`, DURATIONS.latencyRoundMs);
            const micros = r.total.map((v) => v * 1000);
            samples.get(lib)!.push(...micros);
            roundP50.get(lib)!.push(summarize(micros).p50);
            fails.set(lib, fails.get(lib)! + r.fails);
          }
        }
        for (const lib of LIBS) {
          out.push({
            instances: n,
            lib,
            latencyMicros: summarize(samples.get(lib)!),
            roundP50Micros: roundP50.get(lib)!,
            fails: fails.get(lib)!,
          });
        }
      } finally {
        await opened.close();
      }
    });
  }
  return out;
}

/** Tenure's p50 within 5 % of the raw floor's, per instance count. */
export function latencyTargets(results: readonly LatencyResult[]): Target[] {
  const targets: Target[] = [];
  for (const n of [...new Set(results.map((r) => r.instances))]) {
    const rows = results.filter((r) => r.instances === n);
    const t = byLib(rows, 'tenure')?.latencyMicros.p50 ?? NaN;
    const raw = byLib(rows, 'raw')?.latencyMicros.p50 ?? NaN;
    const x = t / raw;
    targets.push({
      name: `uncontended acquire+release p50 ≤ 1.05× raw, ${n} instance${n === 1 ? '' : 's'}`,
      pass: x <= 1.05,
      detail: `tenure ${f0(t)} µs vs raw ${f0(raw)} µs = ${ratio(x)}`,
    });
  }
  return targets;
}

/** The section's table: one row per instance count and library. */
export function latencyMarkdown(results: readonly LatencyResult[]): string {
  const rows: string[][] = [];
  for (const n of [...new Set(results.map((r) => r.instances))]) {
    const group = results.filter((r) => r.instances === n);
    const raw = byLib(group, 'raw')?.latencyMicros.p50 ?? NaN;
    for (const lib of LIBS) {
      const r = byLib(group, lib);
      if (r === undefined) continue;
      rows.push([
        String(n),
        LABELS[lib],
        f0(r.latencyMicros.p50),
        f0(r.latencyMicros.p99),
        f0(r.latencyMicros.mean),
        f0(r.latencyMicros.n),
        String(r.fails),
        ratio(r.latencyMicros.p50 / raw),
      ]);
    }
  }
  return [
    '## a. Uncontended acquire + release latency',
    '',
    'One acquire followed by its release, sequentially, on one key. µs.',
    '',
    table(['instances', 'library', 'p50 µs', 'p99 µs', 'mean µs', 'samples', 'fails', '× raw p50'], rows),
    '',
  ].join('\n');
}
