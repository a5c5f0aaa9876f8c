/**
 * What every section of latest.md shares: number formats, the table layout, the header
 * (the run's provenance and how rounds are interleaved) and the targets list. Each
 * scenario's own table lives beside its runner in bench/scenarios/; bench/output.ts puts
 * the sections together. One format for every table, so that a figure reads the same in
 * each section (– for no value, × for ratios, thousands separated).
 */
import type { LibName } from './config.js';
import type { Meta, Target } from './results-types.js';

export const f0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
export const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
export const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
export const ratio = (x: number): string => (!Number.isFinite(x) ? '–' : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`);

/** A Markdown table: the first column left-aligned, the numbers right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const align = head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A library's plain row (not a variant such as `tenure, autoPipelining`). */
export function byLib<T extends { lib: LibName; variant?: string }>(list: readonly T[], lib: LibName): T | undefined {
  return list.find((r) => r.lib === lib && r.variant === undefined);
}

/** The title, the run's provenance and how every scenario is run. */
export function header(m: Meta): string {
  return [
    `# Tenure benchmark${m.quick ? ' (BENCH_QUICK smoke run)' : ''}`,
    '',
    `${m.date} · node ${m.node} · redis ${m.redis} · ${m.cpus} × ${m.cpuModel} · tenure from ${m.tenureSource}/ (${m.git})` +
      (m.elapsedSeconds !== undefined ? ` · ${Math.round(m.elapsedSeconds)} s` : ''),
    '',
    `Every library runs against the same fresh redis-servers with its own connections; rounds are interleaved ` +
      `(each library one short round, then the next; ${m.durations.latencyReps} rounds of ${m.durations.latencyRoundMs} ms each in a, ` +
      `${m.durations.contentionReps} of ${m.durations.contentionRoundMs} ms in c, ${m.durations.reps} elsewhere) and aggregated after a warm-up. ` +
      `ttl ${m.settings['ttl']} ms; waits up to ${m.settings['wait']} ms; retry delay ${m.settings['retryDelay']} ms + jitter ` +
      `[0, ${m.settings['retryJitter']}) for Tenure and the raw floor, 125 ± 25 ms for node-redlock (same window), ` +
      `a fixed ${m.settings['retryDelay']} ms for redis-semaphore (it has no jitter); nobody auto-extends. ` +
      `The raw floor is SET NX PX + EVALSHA compare-and-delete through ioredis with no library ` +
      `(on N instances: fanned out in parallel, returning as soon as a quorum said yes or no longer can, as Tenure does; under contention a naive spin-lock).`,
    '',
  ].join('\n');
}

/** Every target, met or missed, with the figures behind it. */
export function targetsMarkdown(targets: readonly Target[]): string {
  return ['## Targets', '', ...targets.map((t) => `- **${t.pass ? 'PASS' : 'MISS'}** ${t.name}: ${t.detail}`), ''].join('\n');
}
