/** The table (chaos/results/latest.md) and every number (latest.json) of a run of the suite. */
import type { RunResult } from './run-scenario.js';
import { HOLD_MS, LABELS } from './scenarios.js';

export interface Meta {
  readonly date: string;
  readonly commit: string;
  readonly node: string;
  readonly redis: string;
  readonly cpus: string;
  readonly seconds: number;
  readonly selection: string;
}

/** The no-fault run of the same N and library, if any. */
function baselineOf(r: RunResult, all: readonly RunResult[]): RunResult | undefined {
  return all.find((b) => b.scenario.family === 'baseline' && b.scenario.n === r.scenario.n && b.contender.id === r.contender.lib);
}

function label(r: RunResult): string {
  return r.contender.id === r.contender.lib
    ? LABELS[r.contender.lib]
    : `${LABELS[r.contender.lib]}, ${r.contender.id.replace(/^tenure\+/, '')}`;
}

function rateCell(r: RunResult, all: readonly RunResult[]): string {
  const base = baselineOf(r, all);
  if (!base || base === r) return r.rate.toFixed(2);
  if (base.rate === 0) return `${r.rate.toFixed(2)} (baseline 0)`;
  const ratio = r.rate / base.rate;
  return `${r.rate.toFixed(2)} (${Math.round(ratio * 100)} %${ratio < 0.5 ? ', below half' : ''})`;
}

function tokenCell(r: RunResult): string {
  const v = r.verdict.tokenViolations;
  if (v === undefined) return '–';
  return v === 0 ? 'ok' : `${v} out of order`;
}

export function markdown(runs: readonly RunResult[], meta: Meta): string {
  const lines = [
    '# Fault suite: latest run',
    '',
    `${meta.date}, commit ${meta.commit}; Node ${meta.node}, redis-server ${meta.redis}, ${meta.cpus}; ${meta.seconds.toFixed(0)} s.` +
      (meta.selection ? ` Selection: ${meta.selection}.` : ''),
    '',
    `Five worker processes contend on one key: acquire → read the checker’s counter → hold ${HOLD_MS[0]}–${HOLD_MS[1]} ms → write counter + 1 → release.`,
    'Overlaps: pairs of critical sections of different workers that share an instant. Lost updates: writes minus the final counter.',
    'acq/s: sections entered per second, and against the no-fault run of the same N and library. Token order: Tenure’s fencing tokens in entry order.',
    'Lost (signalled): sections the library itself reported lost before their write. Each scenario’s timeline is `<scenario>.svg` beside this file.',
    '',
    '| scenario | N | ttl | library | overlaps | lost updates | acquisitions | acq/s (vs no fault) | token order | lost (signalled) |',
    '| --- | --: | --: | --- | --: | --: | --: | --- | --- | --: |',
  ];
  for (const r of runs) {
    const v = r.verdict;
    const cells = [
      `[${r.scenario.id}](${r.scenario.id}.svg)`,
      String(r.scenario.n),
      String(r.scenario.ttl),
      label(r),
      String(v.overlaps.length),
      String(v.lostUpdates),
      String(v.acquisitions),
      rateCell(r, runs),
      tokenCell(r),
      String(v.lostSignals),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', '## Scenarios', '');
  const seen = new Set<string>();
  for (const r of runs) {
    if (seen.has(r.scenario.id)) continue;
    seen.add(r.scenario.id);
    lines.push(`- **${r.scenario.id}**: ${r.scenario.title} (${(r.scenario.durationMs / 1000).toFixed(1)} s).`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Every number, with times in ms from the run's start. */
export function json(runs: readonly RunResult[], meta: Meta): string {
  const rel = (t: number | undefined, t0: number): number | null => (t === undefined ? null : Math.round((t - t0) * 1000) / 1000);
  return (
    JSON.stringify(
      {
        meta,
        runs: runs.map((r) => ({
          scenario: r.scenario.id,
          family: r.scenario.family,
          n: r.scenario.n,
          ttl: r.scenario.ttl,
          durationMs: Math.round(r.t1 - r.t0),
          contender: r.contender.id,
          tenureSettings: r.contender.tenure,
          acquisitions: r.verdict.acquisitions,
          writes: r.verdict.writes,
          counter: r.verdict.counter,
          lostUpdates: r.verdict.lostUpdates,
          overlaps: r.verdict.overlaps.map((o) => ({
            workers: [r.sections[o.a]!.worker + 1, r.sections[o.b]!.worker + 1],
            start: rel(o.start, r.t0),
            end: rel(o.end, r.t0),
          })),
          lostSignals: r.verdict.lostSignals,
          unclosed: r.verdict.unclosed,
          tokenViolations: r.verdict.tokenViolations ?? null,
          rate: r.rate,
          baselineRate: baselineOf(r, runs)?.rate ?? null,
          faults: r.faults.map((m) => ({
            kind: m.kind,
            server: m.server + 1,
            start: rel(m.start, r.t0),
            end: rel(m.end, r.t0),
            held: m.held,
            note: m.note,
          })),
          sections: r.sections.map((s) => ({
            worker: s.worker + 1,
            enter: rel(s.enter, r.t0),
            exit: rel(s.exit, r.t0),
            wrote: s.wrote,
            lost: s.lost,
            token: s.token?.toString() ?? null,
          })),
          workers: r.workers.map((w) => w ?? { killed: true }),
        })),
      },
      null,
      1,
    ) + '\n'
  );
}
