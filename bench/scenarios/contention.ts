/**
 * Scenario c: contention. CONTENTION.workers workers take turns on one key on 3 fresh
 * servers (acquire, a CONTENTION.csMs critical section, release, pause), all in this
 * process, then spread over CONTENTION.processes worker processes (bench/worker.ts), for
 * each of CONTENTION.pauses. It measures what a lock is for: critical sections per second, how long
 * a waiter waits, how evenly the turns go round (Jain's index), and how much work the
 * servers do per turn (their own command counts, script internals included). The raw
 * floor here is a naive spin-lock, the fastest thing that is not a library.
 */
import type { TenureModule, TenureSource } from '../adapters.js';
import { connect } from '../connections.js';
import { CONTENTION, DURATIONS, LABELS, LIBS, PEERS, SETTINGS, type LibName } from '../config.js';
import { GRACE_MS, runRound, settleStragglers, type ProcessResult, type RoundSpec } from '../contention-round.js';
import { byLib, f0, f1, f2, ratio, table } from '../report.js';
import type { ContentionResult, Meta, Target } from '../results-types.js';
import { onCleanup, withServers } from '../rig.js';
import { jain, summarize } from '../stats.js';
import { WorkerProcess } from '../worker-process.js';
import { get, open, warm, type Opened } from './shared.js';

/** One config and library's rounds, as they come in. */
interface Acc {
  processes: number;
  pauseMs: number;
  lib: LibName;
  rounds: ProcessResult[][];
  ms: number;
  commands: number;
}

/** What the rounds run on: this process's adapters, the worker processes, the servers' command counter. */
interface Rig {
  readonly opened: Opened;
  readonly children: readonly WorkerProcess[];
  readonly commands: () => Promise<number>;
  readonly urls: readonly string[];
}

/** The servers' command counts, on connections of its own (closed on a crash too). */
function commandCounter(urls: readonly string[]): { commands: () => Promise<number>; close: () => Promise<void> } {
  const stats = connect(urls);
  const close = onCleanup(async () => {
    await Promise.allSettled(stats.map((c) => c.quit()));
  });
  /** Commands the servers have run so far (all of them, INFO itself excluded). */
  const commands = async (): Promise<number> => {
    const infos = await Promise.all(stats.map((c) => c.info('commandstats')));
    let total = 0;
    for (const info of infos) {
      // (Subcommands too: Redis 7 counts `pubsub|numsub`, `client|setinfo`... apart.)
      for (const m of info.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
    }
    return total;
  };
  return { commands, close };
}

/** A round's spec; every process of the round starts at the same wall-clock moment, 150 ms from now. */
function roundSpec(lib: LibName, urls: readonly string[], rep: number, processes: number, pauseMs: number): RoundSpec {
  return {
    lib,
    urls,
    key: `c:${rep}:${processes}:${pauseMs}:${lib}`,
    workers: processes === 1 ? CONTENTION.workers : CONTENTION.workers / CONTENTION.processes,
    ttl: SETTINGS.ttl,
    pauseMs,
    csMs: CONTENTION.csMs,
    startAt: Date.now() + 150,
    durationMs: DURATIONS.contentionRoundMs,
  };
}

/** One round of `a`'s config and library (in this process or in every worker process), added to `a`. */
async function oneRound(rig: Rig, a: Acc, rep: number): Promise<void> {
  const spec = roundSpec(a.lib, rig.urls, rep, a.processes, a.pauseMs);
  const before = await rig.commands();
  const results =
    a.processes === 1 ? [await runRound(get(rig.opened, a.lib), spec)] : await Promise.all(rig.children.map((c) => c.round(spec)));
  const after = await rig.commands();
  a.rounds.push(results);
  a.ms += spec.durationMs;
  a.commands += after - before;
  await new Promise((r) => setTimeout(r, 50)); // let unawaited commands (undo, publish) land
}

/** Every rep of every config (1 process, then several; each pause), every library in turn. */
async function allRounds(rig: Rig, log: (m: string) => void): Promise<Acc[]> {
  const acc: Acc[] = [];
  for (let rep = 0; rep < DURATIONS.contentionReps; rep++) {
    for (const processes of [1, CONTENTION.processes]) {
      for (const pauseMs of CONTENTION.pauses) {
        log(`c. rep ${rep + 1}/${DURATIONS.contentionReps}: ${processes} process(es), ${pauseMs} ms pause`);
        for (const lib of LIBS) {
          let a = acc.find((x) => x.processes === processes && x.pauseMs === pauseMs && x.lib === lib);
          if (a === undefined) acc.push((a = { processes, pauseMs, lib, rounds: [], ms: 0, commands: 0 }));
          await oneRound(rig, a, rep);
        }
      }
    }
  }
  return acc;
}

/** A config and library's rounds summed up: every worker of every process of every round. */
function contentionResult(a: Acc): ContentionResult {
  const workers = a.rounds.map((round) => round.flatMap((p) => p.workers));
  const all = workers.flat();
  const workerTurns = workers.map((ws) => ws.map((w) => w.turns));
  const turns = all.reduce((s, w) => s + w.turns, 0);
  const waits = all.flatMap((w) => w.waits);
  const cpu = a.rounds.flat().reduce((s, p) => s + p.cpuMicros, 0);
  const flatTurns = workerTurns.flat();
  return {
    processes: a.processes,
    pauseMs: a.pauseMs,
    lib: a.lib,
    turns,
    durationMs: a.ms,
    csPerSec: (turns / a.ms) * 1000,
    wait: summarize([...waits, ...all.flatMap((w) => w.failWaits)]),
    fails: all.reduce((s, w) => s + w.fails, 0),
    releaseErrors: all.reduce((s, w) => s + w.releaseErrors, 0),
    unfinished: all.reduce((s, w) => s + w.unfinished, 0),
    commandsPerTurn: a.commands / turns,
    requestsPerTurn: a.rounds.flat().reduce((s, p) => s + p.requests, 0) / turns,
    violations: a.rounds.flat().reduce((s, p) => s + p.violations, 0),
    workerTurns,
    minTurns: Math.min(...flatTurns),
    maxTurns: Math.max(...flatTurns),
    jain: workerTurns.reduce((s, t) => s + jain(t), 0) / workerTurns.length,
    cpuMicrosPerTurn: cpu / turns,
    waits: waits.map((w) => Math.round(w * 100) / 100),
  };
}

/** Every library on 3 fresh servers, 1 process and then the worker processes, each pause. */
export async function scenarioContention(
  tenure: TenureModule,
  source: TenureSource,
  log: (m: string) => void,
): Promise<ContentionResult[]> {
  log(`c. ${CONTENTION.workers} workers on one key, 3 instances, 1 and ${CONTENTION.processes} processes`);
  return withServers(CONTENTION.instances, async (set) => {
    const opened = await open(set.urls, tenure);
    const counter = commandCounter(set.urls);
    const children: WorkerProcess[] = [];
    const stopChildren = onCleanup(async () => {
      await Promise.all(children.map((c) => c.stop()));
    });
    try {
      await warm(opened, DURATIONS.warmMs);
      for (let i = 0; i < CONTENTION.processes; i++) {
        children.push(new WorkerProcess({ urls: set.urls, libs: [...LIBS], tenureSource: source }));
      }
      await Promise.all(children.map((c) => c.ready));
      log(`c. ${CONTENTION.processes} worker processes ready`);
      const acc = await allRounds({ opened, children, commands: counter.commands, urls: set.urls }, log);
      return acc.map((a) => contentionResult(a));
    } finally {
      await stopChildren();
      const left = await settleStragglers(2000);
      if (left > 0) log(`c. ${left} acquisition(s) still waiting after the last round; closing anyway`);
      await counter.close();
      await opened.close();
    }
  });
}

/** A config's processes, as the table and the chart say it. */
export const mode = (processes: number): string => (processes === 1 ? '1 process' : `${processes} processes`);

/** What went wrong in a row's rounds, or 0. */
function failures(r: ContentionResult): string {
  const parts: string[] = [];
  if (r.fails > 0) parts.push(`${r.fails} gave up`);
  if (r.unfinished > 0) parts.push(`${r.unfinished} unfinished`);
  if (r.violations > 0) parts.push(`${r.violations} overlap`);
  if (r.releaseErrors > 0) parts.push(`${r.releaseErrors} release errors`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

/** The best peer's critical sections per second in one contention config. */
function bestPeer(rows: readonly ContentionResult[]): ContentionResult | undefined {
  let best: ContentionResult | undefined;
  for (const r of rows) if (PEERS.includes(r.lib) && (best === undefined || r.csPerSec > best.csPerSec)) best = r;
  return best;
}

/** The results grouped by config (processes, pause), in the order they ran. */
export function contentionConfigs(
  results: readonly ContentionResult[],
): { processes: number; pauseMs: number; rows: ContentionResult[] }[] {
  const out: { processes: number; pauseMs: number; rows: ContentionResult[] }[] = [];
  for (const r of results) {
    let c = out.find((o) => o.processes === r.processes && o.pauseMs === r.pauseMs);
    if (c === undefined) out.push((c = { processes: r.processes, pauseMs: r.pauseMs, rows: [] }));
    c.rows.push(r);
  }
  return out;
}

/** At 10 ms pauses: ≥ 2.5× the best peer and a wait p99 ≤ 20 ms; with several processes: ≥ 0.9× the raw floor. */
export function contentionTargets(results: readonly ContentionResult[]): Target[] {
  const targets: Target[] = [];
  for (const c of contentionConfigs(results)) {
    const t = byLib(c.rows, 'tenure');
    const raw = byLib(c.rows, 'raw');
    if (t === undefined) continue;
    if (c.pauseMs === 10) {
      const best = bestPeer(c.rows);
      const x = t.csPerSec / (best?.csPerSec ?? NaN);
      targets.push({
        name: `8 workers / 1 key / 3 instances / 10 ms pause, ${mode(c.processes)}: ≥ 2.5× best peer's critical sections/s`,
        pass: x >= 2.5,
        detail: `tenure ${f0(t.csPerSec)}/s vs ${best ? LABELS[best.lib] : '–'} ${f0(best?.csPerSec ?? NaN)}/s = ${ratio(x)}`,
      });
      targets.push({
        name: `8 workers / 1 key / 3 instances / 10 ms pause, ${mode(c.processes)}: wait p99 ≤ 20 ms`,
        pass: t.wait.p99 <= 20,
        detail: `tenure wait p99 ${f1(t.wait.p99)} ms (p50 ${f2(t.wait.p50)}, max ${f1(t.wait.max)})`,
      });
    }
    if (c.processes > 1 && raw !== undefined) {
      const x = t.csPerSec / raw.csPerSec;
      targets.push({
        name: `${mode(c.processes)} on 3 instances, ${c.pauseMs} ms pause: ≥ 0.9× raw floor (naive spin-lock) critical sections/s`,
        pass: x >= 0.9,
        detail: `tenure ${f0(t.csPerSec)}/s vs raw ${f0(raw.csPerSec)}/s = ${ratio(x)}`,
      });
    }
  }
  return targets;
}

/** The table's rows: per config, one per library. */
function contentionRows(results: readonly ContentionResult[]): string[][] {
  const rows: string[][] = [];
  for (const c of contentionConfigs(results)) {
    const raw = byLib(c.rows, 'raw')?.csPerSec ?? NaN;
    const best = bestPeer(c.rows)?.csPerSec ?? NaN;
    for (const lib of LIBS) {
      const r = byLib(c.rows, lib);
      if (r === undefined) continue;
      rows.push([
        mode(c.processes),
        `${c.pauseMs} ms`,
        LABELS[lib],
        f0(r.csPerSec),
        f2(r.wait.p50),
        f1(r.wait.p99),
        f0(r.wait.max),
        `${r.minTurns} / ${r.maxTurns}`,
        f2(r.jain),
        failures(r),
        f1(r.commandsPerTurn),
        f1(r.requestsPerTurn),
        ratio(r.csPerSec / raw),
        ratio(r.csPerSec / best),
      ]);
    }
  }
  return rows;
}

const CONTENTION_HEAD = [
  'processes',
  'pause',
  'library',
  'CS/s',
  'wait p50',
  'wait p99',
  'wait max',
  'turns min / max',
  'Jain',
  'failures',
  'Redis calls/CS',
  'requests/CS',
  '× raw',
  '× best peer',
];

/** The section: what is measured and how failures are counted, the table, a link to the chart. */
export function contentionMarkdown(results: readonly ContentionResult[], m: Meta): string {
  return [
    `## c. ${CONTENTION.workers} workers on one key, 3 instances`,
    '',
    `Each worker: acquire, ${CONTENTION.csMs} ms critical section (setTimeout), release, pause; fixed ${m.durations.contentionRoundMs / 1000} s rounds. ` +
      `Wait = acquire call to lock held (ms), including acquisitions that ended after the deadline. ` +
      `Turns = critical sections per worker per round; Jain = fairness index of the turns (1 = even, 0.125 = one worker takes all). ` +
      `Raw floor = naive spin-lock (SET NX PX everywhere, delete partial votes, retry after the same delay). ` +
      `Failures: acquisitions that threw (“gave up”), were still waiting ${GRACE_MS} ms after the deadline (“unfinished”: ` +
      `counted in the waits with the time waited so far, a lower bound), or two workers of one process inside at once (“overlap”). ` +
      `Redis calls/CS = commands the servers ran per critical section, all servers, including the calls made inside Lua scripts (server work, not round trips); ` +
      `requests/CS = the commands the clients sent per critical section, all servers (a script call is one; counted in each client process as ioredis writes them): what costs round trips and socket writes.`,
    '',
    table(CONTENTION_HEAD, contentionRows(results)),
    '',
    'Wait-time distributions: [contention.svg](contention.svg).',
    '',
  ].join('\n');
}
