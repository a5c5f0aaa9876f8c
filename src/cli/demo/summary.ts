/** The demo's findings, for people and (`--json`) for scripts. */
import { human } from '../common.js';
import { increasing, jobIntervals, leaderIntervals, overlaps, staleWrites, type DemoRecord, type Overlap } from './analysis.js';
import type { Plan, Story } from './scenario.js';

export interface Summary {
  readonly durationMs: number;
  readonly servers: readonly string[];
  readonly workers: number;
  /** Every term of leadership, in order; times are ms since the start. */
  readonly leaders: ReadonlyArray<{ worker: string; term: string; from: number; to: number }>;
  readonly leadersElected: number;
  readonly leaderChanges: number;
  readonly kill: { worker: string; successor: string; handoffMs: number } | null;
  readonly pause: { worker: string; pausedMs: number; token: string } | null;
  readonly jobTurns: number;
  readonly tokensIncreasing: boolean;
  readonly staleWritesRejected: number;
  readonly staleWrites: ReadonlyArray<{ worker: string; token: string; highest: string }>;
  readonly overlaps: number;
  readonly overlapDetails: readonly string[];
  /** Why the script could not play out, if it could not. */
  readonly problem: string | null;
}

export interface Context {
  readonly servers: readonly string[];
  readonly plan: Plan;
  /** When the demo started, and when it began to stop the workers. */
  readonly started: number;
  readonly stopping: number;
  readonly problem: string | null;
}

export function summarize(record: DemoRecord, story: Story, { servers, plan, started, stopping, problem }: Context): Summary {
  const jobs = jobIntervals(record);
  const allTerms = leaderIntervals(record);
  // Every interval is checked; the hand-overs while the workers stop are not part of the story.
  const found: Overlap[] = [...overlaps('job', jobs), ...overlaps('leadership', allTerms)];
  const terms = allTerms.filter((t) => t.from < stopping);
  const stale = staleWrites(record);
  return {
    durationMs: record.end - started,
    servers,
    workers: plan.workers,
    leaders: terms.map((t) => ({ worker: t.worker, term: String(t.token), from: t.from - started, to: t.to - started })),
    leadersElected: terms.length,
    leaderChanges: terms.filter((t, i) => i > 0 && t.worker !== terms[i - 1]!.worker).length,
    kill: story.kill ? { worker: story.kill.worker, successor: story.kill.successor, handoffMs: story.kill.handoff } : null,
    pause: story.pause
      ? { worker: story.pause.worker, pausedMs: story.pause.resumedAt - story.pause.at, token: String(story.pause.token) }
      : null,
    jobTurns: jobs.length,
    tokensIncreasing: increasing(jobs) && increasing(allTerms),
    staleWritesRejected: stale.length,
    staleWrites: stale.map((s) => ({ worker: s.worker, token: String(s.token), highest: String(s.highest) })),
    overlaps: found.length,
    overlapDetails: found.map(
      (o) =>
        `${o.kind}: ${o.first.worker} [${o.first.from - started}, ${o.first.to - started}] and ${o.second.worker} [${o.second.from - started}, ${o.second.to - started}]`,
    ),
    problem,
  };
}

export function render(s: Summary, plan: Plan): string {
  const line = (label: string, text: string): string => `  ${label.padEnd(34)} ${text}\n`;
  const chain = s.leaders.map((l) => l.worker).join(' → ') || 'none';
  let out = `\nSummary (${human(s.durationMs)}, ${s.workers} workers, ${s.servers.length} redis-servers)\n`;
  out += line('leaders elected', `${s.leadersElected}: ${chain}`);
  if (s.kill)
    out += line(
      'hand-off after killing the leader',
      `${s.kill.handoffMs} ms, ${s.kill.worker} → ${s.kill.successor} (election ttl ${plan.electionTtl} ms)`,
    );
  out += line('job turns', `${s.jobTurns}; fencing tokens ${s.tokensIncreasing ? 'strictly increasing' : 'NOT INCREASING'}`);
  if (s.pause)
    out += line('paused while holding the job', `${s.pause.worker}, for ${s.pause.pausedMs} ms (its lock's ttl: ${plan.ttl} ms)`);
  const who = s.staleWrites.map((w) => `${w.worker} with token …${w.token.slice(-5)} < …${w.highest.slice(-5)}`).join(', ');
  out += line('stale writes rejected by fencing', `${s.staleWritesRejected}${who ? ` (${who})` : ''}`);
  out += line('overlaps found', `${s.overlaps}${s.overlaps === 0 ? ' (no two workers held the job, or led, at the same time)' : ''}`);
  for (const d of s.overlapDetails) out += `    OVERLAP ${d}\n`;
  if (s.problem) out += line('the script did not play out', s.problem);
  return out;
}
