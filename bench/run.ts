/**
 * `npm run bench`: Tenure against node-redlock 5 and 4, redis-semaphore and a raw ioredis
 * floor, in one run. This file only runs the scenarios in order (a–e, then held,
 * blocked and permits), each on fresh redis-servers it starts and stops itself (bench/scenarios/), and
 * hands the results to bench/output.ts: tables to stdout and bench/results/latest.md,
 * every number to latest.json, the contention chart to contention.svg. Results are
 * reported, not asserted: exit 0 unless something crashed.
 *
 *   BENCH_QUICK=1       ~40 s smoke run
 *   BENCH_TENURE=src    measure src/ through tsx instead of the bundle in dist/ (see loadTenure)
 */
import { loadTenure, type TenureSource } from './adapters.js';
import { QUICK } from './config.js';
import { scenarioBlocked } from './scenarios/blocked.js';
import { scenarioHeld } from './scenarios/held.js';
import { distIsStale, runMeta } from './meta.js';
import { targets, writeResults } from './output.js';
import type { Results } from './results-types.js';
import { cleanupAll, installSignalHandlers } from './rig.js';
import { scenarioContention } from './scenarios/contention.js';
import { scenarioExtend } from './scenarios/extend.js';
import { scenarioLatency } from './scenarios/latency.js';
import { scenarioLoops } from './scenarios/loops.js';
import { scenarioPermits } from './scenarios/permits.js';
import { scenarioSlow } from './scenarios/slow.js';

const t0 = performance.now();

function log(message: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${message}\n`);
}

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
  results.extend = await scenarioExtend(tenure, log);
  results.targets = targets(results);
  const held = await scenarioHeld(source, QUICK ? [100, 1_000] : [100, 1_000, 10_000], QUICK ? 2_000 : 10_000, log);
  const blocked = await scenarioBlocked(source, QUICK ? 6_000 : 12_000, log);
  const permits = await scenarioPermits(tenure, log);
  meta.elapsedSeconds = (performance.now() - t0) / 1000;

  const md = writeResults(results, held, blocked, permits);
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
