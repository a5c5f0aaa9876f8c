/**
 * Scenario b: throughput. LOOPS concurrent loops, each acquiring and releasing its own key
 * on 3 fresh servers, so nothing contends and what is measured is how much work a library
 * does per lock when many are in flight at once: operations per second and this process's
 * CPU per operation. Tenure also runs with `autoPipelining: true`, as one more contender in
 * the same interleaved rounds; that row is shown but not used for the targets.
 */
import { makeAdapter, type Adapter, type TenureModule } from '../adapters.js';
import { DURATIONS, LABELS, LIBS, LOOPS, SETTINGS, type LibName } from '../config.js';
import { byLib, f0, f1, ratio, table } from '../report.js';
import type { LoopsResult, Target } from '../results-types.js';
import { onCleanup, withServers } from '../rig.js';
import { get, open } from './shared.js';

type Round = LoopsResult['rounds'][number];

/** One round: LOOPS loops, each on its own key, acquire and release as fast as they can for `ms`. */
async function loopsRound(adapter: Adapter, prefix: string, ms: number): Promise<Round> {
  let ops = 0;
  let fails = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: LOOPS }, async (_, i) => {
      const key = `${prefix}:${i}`;
      while (performance.now() < end) {
        try {
          const held = await adapter.acquire(key, SETTINGS.ttl);
          await held.release();
          ops++;
        } catch {
          fails++;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { ops, ms: elapsed, cpuMicros: cpu.user + cpu.system, fails };
}

/** The rounds of one library (or variant) added up. */
function loopsResult(lib: LibName, variant: 'autoPipelining' | undefined, rs: Round[]): LoopsResult {
  const ops = rs.reduce((s, r) => s + r.ops, 0);
  const ms = rs.reduce((s, r) => s + r.ms, 0);
  const cpu = rs.reduce((s, r) => s + r.cpuMicros, 0);
  return {
    lib,
    ...(variant === undefined ? {} : { variant }),
    ops,
    ms,
    opsPerSec: (ops / ms) * 1000,
    cpuMicrosPerOp: cpu / ops,
    fails: rs.reduce((s, r) => s + r.fails, 0),
    rounds: rs,
  };
}

/** Every library, and Tenure with autoPipelining, on 3 fresh servers: interleaved rounds after a warm-up. */
export async function scenarioLoops(tenure: TenureModule, log: (m: string) => void): Promise<LoopsResult[]> {
  log(`b. ${LOOPS} concurrent loops on distinct keys, 3 instances`);
  return withServers(3, async (set) => {
    const opened = await open(set.urls, tenure);
    // Tenure with `autoPipelining: true` runs as one more contender, interleaved with the others.
    const pipelined = makeAdapter('tenure', { urls: set.urls, tenure, autoPipelining: true });
    const closePipelined = onCleanup(() => pipelined.close());
    try {
      await pipelined.ready();
      const runs: { lib: LibName; variant?: 'autoPipelining'; adapter: Adapter }[] = [
        ...LIBS.map((lib) => ({ lib, adapter: get(opened, lib) })),
        { lib: 'tenure', variant: 'autoPipelining', adapter: pipelined },
      ];
      for (const [i, run] of runs.entries()) await loopsRound(run.adapter, `warm:b:${i}`, DURATIONS.warmMs / 2);
      const rounds = runs.map(() => [] as Round[]);
      for (let rep = 0; rep < DURATIONS.reps; rep++) {
        for (const [i, run] of runs.entries()) rounds[i]!.push(await loopsRound(run.adapter, `b:${rep}:${i}`, DURATIONS.loopsRoundMs));
      }
      return runs.map(({ lib, variant }, i) => loopsResult(lib, variant, rounds[i]!));
    } finally {
      await closePipelined();
      await opened.close();
    }
  });
}

/** Tenure's plain row at least as fast as the raw floor. */
export function loopsTargets(results: readonly LoopsResult[]): Target[] {
  const t = byLib(results, 'tenure')?.opsPerSec ?? NaN;
  const raw = byLib(results, 'raw')?.opsPerSec ?? NaN;
  return [
    {
      name: `${LOOPS} loops on distinct keys (3 instances) ≥ 1.0× raw ops/s`,
      pass: t / raw >= 1.0,
      detail: `tenure ${f0(t)} ops/s vs raw ${f0(raw)} ops/s = ${ratio(t / raw)}`,
    },
  ];
}

/** The section's table: the plain rows, then the variants (`tenure, autoPipelining`). */
export function loopsMarkdown(results: readonly LoopsResult[]): string {
  const raw = byLib(results, 'raw')?.opsPerSec ?? NaN;
  const rows = LIBS.flatMap((lib) => {
    const r = byLib(results, lib);
    return r ? [[LABELS[lib], f0(r.opsPerSec), f1(r.cpuMicrosPerOp), String(r.fails), ratio(r.opsPerSec / raw)]] : [];
  });
  for (const r of results.filter((x) => x.variant !== undefined)) {
    rows.push([`${LABELS[r.lib]}, ${r.variant}`, f0(r.opsPerSec), f1(r.cpuMicrosPerOp), String(r.fails), ratio(r.opsPerSec / raw)]);
  }
  return [
    `## b. ${LOOPS} concurrent loops on distinct keys, 3 instances`,
    '',
    'Each loop acquires and releases its own key as fast as it can. CPU is this process’s user + system time (redis-servers not included).',
    '',
    table(['library', 'ops/s', 'CPU µs/op', 'fails', '× raw ops/s'], rows),
    '',
  ].join('\n');
}
