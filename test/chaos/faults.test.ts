/**
 * The fault suite's short runs (chaos/, `npm run chaos` for the full one): Tenure alone,
 * five worker processes on one key against the checker, N = 3 (and N = 1 for an empty
 * restart with restartQuarantine), each under its fault for a few seconds on fresh
 * servers. Nothing is tolerated: no overlapping sections, no lost update, tokens in entry
 * order, and the lock must still be taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../chaos/pool.js';
import { runScenario, type RunResult } from '../../chaos/run-scenario.js';
import { scenario, type Family } from '../../chaos/scenarios.js';

let pool: WorkerPool;
beforeAll(async () => {
  pool = await WorkerPool.start(5);
});
afterAll(async () => {
  await pool?.close();
});

/** The figures a failure prints: what went wrong and the faults around it. */
function figures(r: RunResult): string {
  const rel = (t: number): string => ((t - r.t0) / 1000).toFixed(3);
  const v = r.verdict;
  const lines = [
    `${r.scenario.id} ${r.contender.id}: overlaps ${v.overlaps.length}, lost updates ${v.lostUpdates}, acquisitions ${v.acquisitions}, ` +
      `token order violations ${String(v.tokenViolations)}, lost (signalled) ${v.lostSignals}, unclosed ${v.unclosed}`,
    ...v.overlaps.map(
      (o) => `  overlap ${rel(o.start)}–${rel(o.end)} s: workers ${r.sections[o.a]!.worker + 1} and ${r.sections[o.b]!.worker + 1}`,
    ),
    ...r.faults.map(
      (m) => `  fault ${m.kind} on server ${m.server + 1} at ${rel(m.start)}–${rel(m.end)} s${m.held ? ' (held there)' : ''} ${m.note}`,
    ),
    `  worker errors: ${JSON.stringify(r.workers)}`,
  ];
  return lines.join('\n');
}

async function run(family: Family, n: number, opts: { contender?: string; ttl?: number } = {}): Promise<RunResult> {
  const s = scenario(family, n, { short: true, ...(opts.ttl === undefined ? {} : { ttl: opts.ttl }) });
  const contender = s.contenders.find((c) => c.id === (opts.contender ?? 'tenure'));
  if (!contender) throw new Error(`${s.id} has no contender ${opts.contender}`);
  return runScenario(s, contender, pool);
}

function expectSafe(r: RunResult): void {
  const v = r.verdict;
  const got = { overlaps: v.overlaps.length, lostUpdates: v.lostUpdates, tokenViolations: v.tokenViolations, unclosed: v.unclosed };
  expect(got, figures(r)).toEqual({ overlaps: 0, lostUpdates: 0, tokenViolations: 0, unclosed: 0 });
  expect(v.acquisitions, figures(r)).toBeGreaterThan(0);
}

describe('Tenure under faults (short runs of npm run chaos)', { timeout: 30_000 }, () => {
  it('no fault, N = 3', async () => {
    expectSafe(await run('baseline', 3));
  });

  it('a server the holder holds restarted empty while held, N = 3', async () => {
    expectSafe(await run('empty-restart', 3));
  });

  it('the only server restarted empty while held, N = 1, restartQuarantine = ttl', async () => {
    expectSafe(await run('empty-restart', 1, { contender: 'tenure+quarantine', ttl: 1_000 }));
  });

  it('rolling empty restarts every 0.5–0.8 s, N = 3, restartQuarantine = ttl', async () => {
    expectSafe(await run('rolling-restart', 3, { contender: 'tenure+quarantine', ttl: 1_000 }));
  });

  it('FLUSHALL on a server the holder holds, N = 3', async () => {
    expectSafe(await run('flushall', 3));
  });

  it("one server's clock 3× fast, N = 3", async () => {
    expectSafe(await run('fast-clock', 3));
  });

  it('eviction (maxmemory, volatile-ttl) on one server while the lock is held there, N = 3', async () => {
    expectSafe(await run('eviction-volatile-ttl', 3));
  });

  it('a server the holder holds stalled 400 ms repeatedly, commandTimeout 200, N = 3', async () => {
    expectSafe(await run('stall', 3));
  });

  it('a server the holder holds black-holed, N = 3', async () => {
    expectSafe(await run('blackhole', 3));
  });
});
