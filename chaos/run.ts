/**
 * `npm run chaos`: Tenure, node-redlock 5 and redis-semaphore in one run, each under every
 * fault scenario on fresh redis-servers, five worker processes against the checker. Writes
 * the table to chaos/results/latest.md, every number to latest.json and one timeline per
 * scenario (<scenario>.svg). A selection (below) writes to chaos/results/partial/ instead,
 * so that the committed table stays one whole run. Results are reported, never asserted.
 *
 *   npm run chaos -- --only empty-restart,flushall --lib tenure --n 3
 *   --only  families or scenario ids (prefixes: `eviction` is both eviction families)   env CHAOS_ONLY
 *   --lib   contenders: tenure (and tenure+quarantine), redlock5, redis-semaphore       env CHAOS_LIB
 *   --n     instance counts                                                            env CHAOS_N
 *   --list  print the scenarios and exit
 * The no-fault baseline of every selected N runs too (acq/s is reported against it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupAll, installSignalHandlers } from '../bench/rig.js';
import { redisServerBinary } from '../test/helpers/redis-server.js';
import { WorkerPool } from './pool.js';
import { json, markdown, type Meta } from './report.js';
import { runScenario, type RunResult } from './run-scenario.js';
import { WORKERS, allScenarios, type Scenario } from './scenarios.js';
import { clockShim } from './shim.js';
import { timelineSvg } from './timeline.js';

const root = path.resolve(import.meta.dirname, '..');
const started = performance.now();

function log(message: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
}

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items && items.length > 0 ? items : undefined;
}

const { values } = parseArgs({
  options: { only: { type: 'string' }, lib: { type: 'string' }, n: { type: 'string' }, list: { type: 'boolean' } },
  strict: true,
});
const only = list(values.only ?? process.env['CHAOS_ONLY']);
const libs = list(values.lib ?? process.env['CHAOS_LIB']);
const ns = list(values.n ?? process.env['CHAOS_N'])?.map(Number);

function selected(s: Scenario): boolean {
  if (ns && !ns.includes(s.n)) return false;
  if (s.family === 'baseline') return true; // kept when its N is run, below
  return only === undefined || only.some((o) => s.id.startsWith(o) || s.family.startsWith(o));
}

function plan(): Scenario[] {
  const chosen = allScenarios().filter(selected);
  const faultNs = new Set(chosen.filter((s) => s.family !== 'baseline').map((s) => s.n));
  return chosen
    .filter((s) => s.family !== 'baseline' || only === undefined || faultNs.has(s.n) || only.some((o) => 'baseline'.startsWith(o)))
    .map((s) => ({ ...s, contenders: s.contenders.filter((c) => libs === undefined || libs.some((l) => c.id.startsWith(l))) }))
    .filter((s) => s.contenders.length > 0);
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  installSignalHandlers('chaos');
  const scenarios = plan();
  if (values.list) {
    for (const s of scenarios) console.log(`${s.id.padEnd(28)} ${s.contenders.map((c) => c.id).join(', ')}  — ${s.title}`);
    return;
  }
  if (scenarios.length === 0) throw new Error('no scenario matches the selection (try --list)');
  const partial = only !== undefined || libs !== undefined || ns !== undefined;
  const outDir = path.join(root, 'chaos', 'results', ...(partial ? ['partial'] : []));
  mkdirSync(outDir, { recursive: true });
  if (scenarios.some((s) => s.fault.kind === 'fast-clock')) log(`clock shim: ${path.relative(root, clockShim())}`);
  const runs = scenarios.reduce((k, s) => k + s.contenders.length, 0);
  log(`${scenarios.length} scenarios, ${runs} runs, ${WORKERS} worker processes`);
  const pool = await WorkerPool.start(WORKERS);
  const results: RunResult[] = [];
  try {
    for (const s of scenarios) {
      const mine: RunResult[] = [];
      for (const c of s.contenders) {
        const r = await runScenario(s, c, pool);
        mine.push(r);
        const v = r.verdict;
        const tokens =
          v.tokenViolations === undefined ? '' : `, tokens ${v.tokenViolations === 0 ? 'ok' : `${v.tokenViolations} out of order`}`;
        log(
          `${s.id} ${c.id}: overlaps ${v.overlaps.length}, lost updates ${v.lostUpdates}, ${v.acquisitions} acquisitions (${r.rate.toFixed(2)}/s)${tokens}`,
        );
      }
      results.push(...mine);
      writeFileSync(path.join(outDir, `${s.id}.svg`), timelineSvg(mine));
    }
  } finally {
    await pool.close();
  }
  const meta: Meta = {
    date: new Date().toISOString(),
    commit:
      sh('git', ['rev-parse', '--short', 'HEAD']) +
      (sh('git', ['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' (modified)'),
    node: process.version,
    redis: sh(redisServerBinary(), ['--version']).replace(/^Redis server v=(\S+).*$/, '$1'),
    cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
    seconds: (performance.now() - started) / 1000,
    selection: partial ? process.argv.slice(2).join(' ') || 'from the environment' : '',
  };
  writeFileSync(path.join(outDir, 'latest.md'), markdown(results, meta));
  writeFileSync(path.join(outDir, 'latest.json'), json(results, meta));
  console.log(markdown(results, meta));
  log(`wrote ${path.relative(root, outDir)}/latest.md, latest.json and ${new Set(results.map((r) => r.scenario.id)).size} timelines`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
