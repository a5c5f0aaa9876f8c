/**
 * One run: a scenario's fault against one contender — fresh servers, the worker pool
 * contending on one key for the scenario's duration under the fault, the sampler watching
 * every server — and its verdict. Used by chaos/run.ts and by the short runs in test/chaos.
 */
import { Redlock } from '../src/index.js';
import { Checker, type SectionRecord, type Verdict } from './checker.js';
import { FaultRunner, type FaultMark } from './faults.js';
import { lockKey } from './libs.js';
import type { WorkerPool } from './pool.js';
import { now, type FromWorker, type ToWorker, type WorkerStats } from './protocol.js';
import { startRig } from './rig.js';
import { Sampler, type Segment } from './sampler.js';
import { HOLD_MS, type Contender, type Scenario } from './scenarios.js';

const RESOURCE = 'chaos';
/** The sampler keeps watching this long after the workers stopped, so releases show. */
const TAIL_MS = 100;

export interface RunResult {
  readonly scenario: Scenario;
  readonly contender: Contender;
  /** Common-clock ms when the workers were started and when they were told to stop. */
  readonly t0: number;
  readonly t1: number;
  readonly sections: SectionRecord[];
  readonly verdict: Verdict;
  /** Acquisitions per second of the measured window. */
  readonly rate: number;
  readonly faults: FaultMark[];
  /** Per server, what it held over time. */
  readonly servers: Segment[][];
  /** Per worker; undefined for a worker that had to be killed. */
  readonly workers: Array<WorkerStats | undefined>;
}

async function markFresh(urls: readonly string[], quarantine: number): Promise<void> {
  const redlock = new Redlock([...urls], { restartQuarantine: quarantine });
  try {
    await redlock.markFresh();
  } finally {
    await redlock.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runScenario(s: Scenario, contender: Contender, pool: WorkerPool): Promise<RunResult> {
  const rig = await startRig(s);
  const sampler = new Sampler(rig.serverUrls, lockKey(contender.lib, RESOURCE));
  try {
    // A quarantine keeps freshly started servers out of every vote: declare them fresh, as a
    // new deployment would (redlock.markFresh). Restarts during the run are noticed as usual.
    const quarantine = contender.tenure.restartQuarantine ?? 0;
    if (quarantine > 0) await markFresh(rig.serverUrls, quarantine);
    await sampler.start();
    const checker = new Checker();
    const reports = (worker: number, msg: FromWorker, reply: (m: ToWorker) => void): void => {
      if (msg.type === 'enter') {
        const token = msg.token === undefined ? undefined : BigInt(msg.token);
        reply({ type: 'reply', req: msg.req, counter: checker.enter(worker, msg.id, msg.value, token, msg.t) });
      } else if (msg.type === 'write') {
        checker.write(worker, msg.id, msg.counter);
        reply({ type: 'reply', req: msg.req, counter: checker.counter });
      } else if (msg.type === 'exit') {
        checker.exit(worker, msg.id, msg.t, msg.lost);
      }
    };
    const t0 = now();
    const running = await pool.begin(
      { lib: contender.lib, tenure: contender.tenure, urls: rig.urls, resource: RESOURCE, ttl: s.ttl, holdMs: HOLD_MS },
      reports,
    );
    const faults = new FaultRunner(s.fault, { rig, sampler, checker }, t0 + s.firstFaultMs);
    await sleep(s.durationMs);
    await faults.stop();
    const t1 = now();
    const workers = await running.stop();
    await sleep(TAIL_MS);
    sampler.stop();
    const verdict = checker.verdict(now());
    const entered = checker.sections.filter((sec) => sec.enter <= t1).length;
    return {
      scenario: s,
      contender,
      t0,
      t1,
      sections: checker.sections,
      verdict,
      rate: entered / ((t1 - t0) / 1000),
      faults: faults.marks,
      servers: rig.servers.map((_, i) => sampler.segments(i)),
      workers,
    };
  } finally {
    sampler.stop();
    await rig.stop();
  }
}
