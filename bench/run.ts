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
 *   --only held,...     only these scenarios (names in SCENARIOS); their tables go to stdout,
 *                       bench/results/ is left as the last full run wrote it
 */
import { loadTenure, type TenureModule, type TenureSource } from './adapters.js';
import { HELD, QUICK } from './config.js';
import { blockedMarkdown, scenarioBlocked } from './scenarios/blocked.js';
import { heldMarkdown, scenarioHeld } from './scenarios/held.js';
import { distIsStale, runMeta } from './meta.js';
import { targets, writeResults } from './output.js';
import { header } from './report.js';
import type { Meta, Results } from './results-types.js';
import { cleanupAll, installSignalHandlers } from './rig.js';
import { contentionMarkdown, scenarioContention } from './scenarios/contention.js';
import { extendMarkdown, scenarioExtend } from './scenarios/extend.js';
import { latencyMarkdown, scenarioLatency } from './scenarios/latency.js';
import { loopsMarkdown, scenarioLoops } from './scenarios/loops.js';
import { permitsMarkdown, scenarioPermits } from './scenarios/permits.js';
import { scenarioSlow, slowMarkdown } from './scenarios/slow.js';

const t0 = performance.now();

function log(message: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${message}\n`);
}

/** The scenarios, in the order a run takes them (`--only` names). */
const SCENARIOS = ['latency', 'loops', 'contention', 'slow', 'extend', 'held', 'blocked', 'permits'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** `--only a,b` (or `--only=a,b`): the scenarios asked for; undefined for a full run. */
function only(argv: readonly string[]): Set<Scenario> | undefined {
  if (argv.length === 0) return undefined;
  const [flag, next] = argv;
  const list = flag === '--only' ? next : flag?.startsWith('--only=') ? flag.slice('--only='.length) : undefined;
  if (list === undefined || argv.length > (flag === '--only' ? 2 : 1)) {
    throw new TypeError(`Expected no arguments or \`--only <scenario,...>\`, got ${JSON.stringify(argv.join(' '))}`);
  }
  const names = list.split(',').filter((n) => n !== '');
  for (const n of names) {
    if (!(SCENARIOS as readonly string[]).includes(n)) {
      throw new RangeError(`Expected \`--only\` to name scenarios among ${SCENARIOS.join(', ')}; got ${JSON.stringify(n)}`);
    }
  }
  if (names.length === 0) throw new RangeError(`Expected \`--only\` to name at least one scenario of ${SCENARIOS.join(', ')}`);
  return new Set(names as Scenario[]);
}

/** The scenarios asked for, in run order; their tables to stdout (nothing written to bench/results/). */
async function runOnly(picked: Set<Scenario>, tenure: TenureModule, source: TenureSource, meta: Meta): Promise<void> {
  const sections: string[] = [];
  for (const name of SCENARIOS) {
    if (!picked.has(name)) continue;
    if (name === 'latency') sections.push(latencyMarkdown(await scenarioLatency(tenure, log)));
    if (name === 'loops') sections.push(loopsMarkdown(await scenarioLoops(tenure, log)));
    if (name === 'contention') sections.push(contentionMarkdown(await scenarioContention(tenure, source, log), meta));
    if (name === 'slow') sections.push(slowMarkdown(await scenarioSlow(tenure, log)));
    if (name === 'extend') sections.push(extendMarkdown(await scenarioExtend(tenure, log)));
    if (name === 'held') sections.push(heldMarkdown(await scenarioHeld(source, HELD.counts, HELD.holdMs, log)));
    if (name === 'blocked') sections.push(blockedMarkdown(await scenarioBlocked(source, QUICK ? 6_000 : 12_000, log)));
    if (name === 'permits') sections.push(permitsMarkdown(await scenarioPermits(tenure, log)));
  }
  meta.elapsedSeconds = (performance.now() - t0) / 1000;
  process.stdout.write([header(meta), ...sections].join('\n') + '\n');
  log(`done: --only ${[...picked].join(',')} (bench/results/ not written)`);
}

async function main(): Promise<void> {
  installSignalHandlers();
  const picked = only(process.argv.slice(2));
  const source: TenureSource = process.env['BENCH_TENURE'] === 'src' ? 'src' : 'dist';
  if (source === 'dist' && distIsStale()) log('warning: dist/ is older than src/: run `npm run build` (npm run bench does)');
  const tenure = await loadTenure(source);
  const meta = runMeta(source);
  log(`bench${QUICK ? ' (quick)' : ''}: tenure from ${source}/, node ${meta.node}, redis ${meta.redis}`);
  if (picked !== undefined) return runOnly(picked, tenure, source, meta);
  const results: Results = { meta, latency: [], loops: [], contention: [], slow: [], extend: [], targets: [] };
  results.latency = await scenarioLatency(tenure, log);
  results.loops = await scenarioLoops(tenure, log);
  results.contention = await scenarioContention(tenure, source, log);
  results.slow = await scenarioSlow(tenure, log);
  results.extend = await scenarioExtend(tenure, log);
  results.targets = targets(results);
  const held = await scenarioHeld(source, HELD.counts, HELD.holdMs, log);
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
