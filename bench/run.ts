/**
 * `npm run bench`: Tenure against node-redlock 5 and 4, redis-semaphore and a raw ioredis
 * floor, in one run, on fresh redis-servers started here. Tables go to stdout and
 * bench/results/latest.md, every number to latest.json, the contention chart to
 * contention.svg. Results are reported, not asserted: exit 0 unless something crashed.
 *
 *   BENCH_QUICK=1       ~40 s smoke run
 *   BENCH_TENURE=src    measure src/ through tsx instead of the bundle in dist/ (see loadTenure)
 */
import { loadTenure, type TenureModule, type TenureSource } from './adapters.js';
import { DURATIONS, LIBS, QUICK, SETTINGS, type LibName } from './config.js';
import { scenarioBlocked } from './blocked.js';
import { scenarioHeld } from './held.js';
import { distIsStale, runMeta } from './meta.js';
import { targets, writeResults } from './output.js';
import type { ExtendResult, Results } from './results-types.js';
import { cleanupAll, installSignalHandlers, withServers } from './rig.js';
import { scenarioContention } from './scenarios/contention.js';
import { scenarioLatency } from './scenarios/latency.js';
import { scenarioLoops } from './scenarios/loops.js';
import { get, open } from './scenarios/shared.js';
import { scenarioSlow } from './scenarios/slow.js';
import { summarize } from './stats.js';

const t0 = performance.now();

function log(message: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${message}\n`);
}

// ---------------------------------------------------------------------------
// e. extend throughput
// ---------------------------------------------------------------------------

async function scenarioExtend(tenure: TenureModule): Promise<ExtendResult[]> {
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
            const adapter = get(opened, lib);
            const held = await adapter.acquire(`e:${n}:${rep}:${lib}`, SETTINGS.ttl);
            const samples: number[] = [];
            let fails = 0;
            const start = performance.now();
            const end = start + (rep < 0 ? DURATIONS.warmMs / LIBS.length : DURATIONS.extendRoundMs);
            while (performance.now() < end) {
              const a = performance.now();
              try {
                await held.extend(SETTINGS.ttl);
                samples.push((performance.now() - a) * 1000);
              } catch {
                fails++;
              }
            }
            const ms = performance.now() - start;
            await held.release();
            if (rep < 0) continue; // warm-up round
            const d = data.get(lib)!;
            d.samples.push(...samples);
            d.ms += ms;
            d.fails += fails;
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

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  installSignalHandlers();
  const source: TenureSource = process.env['BENCH_TENURE'] === 'src' ? 'src' : 'dist';
  if (source === 'dist' && distIsStale()) log('warning: dist/ is older than src/: run `npm run build` (npm run bench does)');
  const tenure = await loadTenure(source);
  const meta = runMeta(source);
  log(`bench${QUICK ? ' (quick)' : ''}: tenure from ${source}/, node ${meta.node}, redis ${meta.redis}`);
  const results: Results = { meta, latency: [], loops: [], contention: [], slow: [], extend: [], targets: [] };
  results.latency = await scenarioLatency(tenure, log);
  results.loops = await scenarioLoops(tenure, log);
  results.contention = await scenarioContention(tenure, source, log);
  results.slow = await scenarioSlow(tenure, log);
  results.extend = await scenarioExtend(tenure);
  results.targets = targets(results);
  const held = await scenarioHeld(source, QUICK ? [100, 1_000] : [100, 1_000, 10_000], QUICK ? 2_000 : 10_000, log);
  const blocked = await scenarioBlocked(source, QUICK ? 6_000 : 12_000, log);
  meta.elapsedSeconds = (performance.now() - t0) / 1000;

  const md = writeResults(results, held, blocked);
  process.stdout.write(md + '\n');
  log(`done: bench/results/latest.md, latest.json, contention.svg`);
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    console.error('bench failed:', error);
    await cleanupAll();
    process.exit(1);
  });
