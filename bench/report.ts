/**
 * Markdown tables, the targets and the contention chart (hand-written SVG). One function
 * per section of latest.md; bench/run.ts puts them together in the order the scenarios ran.
 */
import { CONTENTION, LABELS, LIBS, PEERS, SLOW_MS, type LibName } from './config.js';
import { GRACE_MS } from './contention-round.js';
import type { ContentionResult, ExtendResult, Meta, SlowResult, Target } from './results-types.js';

export const f0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
export const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
export const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
export const ratio = (x: number): string => (!Number.isFinite(x) ? '–' : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`);
const mode = (processes: number): string => (processes === 1 ? '1 process' : `${processes} processes`);

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
      `(on N instances: fanned out with Promise.all, quorum check, no early return; under contention a naive spin-lock).`,
    '',
  ].join('\n');
}

/** Every target, met or missed, with the figures behind it. */
export function targetsMarkdown(targets: readonly Target[]): string {
  return ['## Targets', '', ...targets.map((t) => `- **${t.pass ? 'PASS' : 'MISS'}** ${t.name}: ${t.detail}`), ''].join('\n');
}

// ---------------------------------------------------------------------------
// c. contention
// ---------------------------------------------------------------------------

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
function contentionConfigs(results: readonly ContentionResult[]): { processes: number; pauseMs: number; rows: ContentionResult[] }[] {
  const out: { processes: number; pauseMs: number; rows: ContentionResult[] }[] = [];
  for (const r of results) {
    let c = out.find((o) => o.processes === r.processes && o.pauseMs === r.pauseMs);
    if (c === undefined) out.push((c = { processes: r.processes, pauseMs: r.pauseMs, rows: [] }));
    c.rows.push(r);
  }
  return out;
}

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
  '× raw',
  '× best peer',
];

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
      `Redis calls/CS = commands the servers ran per critical section, all servers, including the calls made inside Lua scripts (server work, not round trips).`,
    '',
    table(CONTENTION_HEAD, contentionRows(results)),
    '',
    'Wait-time distributions: [contention.svg](contention.svg).',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// d. one slow instance
// ---------------------------------------------------------------------------

export function slowTargets(results: readonly SlowResult[]): Target[] {
  const t = byLib(results, 'tenure');
  if (t === undefined) return [];
  const x = t.slow.acquire.p50 / t.base.acquire.p50;
  return [
    {
      name: `one slow instance of three (+${SLOW_MS} ms each way): acquire p50 within 1.5× of the run without it`,
      pass: x <= 1.5,
      detail: `tenure ${f2(t.slow.acquire.p50)} ms vs ${f2(t.base.acquire.p50)} ms = ${ratio(x)}`,
    },
  ];
}

const SLOW_HEAD = [
  'library',
  'acquire p50, no slow',
  'acquire p50, slow',
  'slow / no slow',
  'acquire p99, slow',
  'release p50, slow',
  'samples (slow)',
  'fails',
  '× raw (slow p50)',
];

export function slowMarkdown(results: readonly SlowResult[]): string {
  const rawSlow = byLib(results, 'raw')?.slow.acquire.p50 ?? NaN;
  const rows = LIBS.flatMap((lib) => {
    const r = byLib(results, lib);
    if (r === undefined) return [];
    return [
      [
        LABELS[lib],
        f2(r.base.acquire.p50),
        f2(r.slow.acquire.p50),
        ratio(r.slow.acquire.p50 / r.base.acquire.p50),
        f2(r.slow.acquire.p99),
        f2(r.slow.release.p50),
        String(r.slow.acquire.n),
        String(r.fails),
        ratio(r.slow.acquire.p50 / rawSlow),
      ],
    ];
  });
  return [
    `## d. One slow instance of three`,
    '',
    `All three instances behind TCP proxies (in this process); “slow” adds ${SLOW_MS} ms each way on one of them. ` +
      `Sequential acquire + release on one key; ms.`,
    '',
    table(SLOW_HEAD, rows),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// e. extend
// ---------------------------------------------------------------------------

export function extendMarkdown(results: readonly ExtendResult[]): string {
  const rows: string[][] = [];
  for (const n of [...new Set(results.map((r) => r.instances))]) {
    const group = results.filter((r) => r.instances === n);
    const raw = byLib(group, 'raw')?.opsPerSec ?? NaN;
    for (const lib of LIBS) {
      const r = byLib(group, lib);
      if (r === undefined) continue;
      rows.push([
        String(n),
        LABELS[lib],
        f0(r.opsPerSec),
        f0(r.latencyMicros.p50),
        f0(r.latencyMicros.p99),
        String(r.fails),
        ratio(r.opsPerSec / raw),
      ]);
    }
  }
  return [
    '## e. Extend throughput',
    '',
    'Sequential extends of one held lock. redis-semaphore has no public extend: it is called through its internal `_refresh()`.',
    '',
    table(['instances', 'library', 'extends/s', 'p50 µs', 'p99 µs', 'fails', '× raw'], rows),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// the contention chart
// ---------------------------------------------------------------------------

const COLORS: Record<LibName, string> = {
  tenure: '#1f77b4',
  redlock5: '#d62728',
  redlock4: '#ff7f0e',
  'redis-semaphore': '#2ca02c',
  raw: '#7f7f7f',
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Per-library horizontal box plots of the contention waits, log-scale ms. */
export function contentionSvg(contention: readonly ContentionResult[], meta: Meta): string {
  const configs = contentionConfigs(contention);
  const width = 1000;
  const left = 250;
  const right = 230;
  const plotW = width - left - right;
  const rowH = 22;
  const headH = 26;
  const top = 60;
  let max = 1;
  for (const r of contention) if (Number.isFinite(r.wait.max)) max = Math.max(max, r.wait.max);
  const lo = 0.1;
  const decade = 10 ** Math.floor(Math.log10(max));
  const hi = [1, 2, 5, 10].map((k) => k * decade).find((v) => v >= max)!;
  const x = (ms: number): number =>
    left + (plotW * (Math.log10(Math.max(lo, Math.min(hi, ms))) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const rowsCount = configs.reduce((s, c) => s + c.rows.length, 0);
  const height = top + configs.length * headH + rowsCount * rowH + 70;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Wait for the lock: ${CONTENTION.workers} workers on one key, 3 instances, ${CONTENTION.csMs} ms critical section</text>`,
  );
  parts.push(
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">ms, log scale · whiskers p1–p99 · box p25–p75 · bar median · ◆ max${meta.quick ? ' · QUICK run' : ''}</text>`,
  );
  const bottom = height - 50;
  // grid: decades labelled, 2 and 5 faint
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const gx = x(d);
    parts.push(`<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx.toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#444">${d >= 1 ? f0(d) : d.toFixed(1)}</text>`);
    for (const k of [2, 5]) {
      if (d * k <= hi * 1.0001)
        parts.push(`<line x1="${x(d * k).toFixed(1)}" y1="${top - 6}" x2="${x(d * k).toFixed(1)}" y2="${bottom}" stroke="#eee"/>`);
    }
  }
  if (hi / 10 ** Math.floor(Math.log10(hi)) > 1.0001) {
    parts.push(`<text x="${x(hi).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#444">${f0(hi)}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${bottom + 34}" text-anchor="middle" fill="#444">wait (ms)</text>`);
  let y = top;
  for (const c of configs) {
    parts.push(`<text x="10" y="${y + 17}" font-weight="bold">${esc(`${mode(c.processes)}, ${c.pauseMs} ms pause`)}</text>`);
    parts.push(`<line x1="10" y1="${y + headH - 2}" x2="${width - 10}" y2="${y + headH - 2}" stroke="#bbb"/>`);
    y += headH;
    for (const lib of LIBS) {
      const r = byLib(c.rows, lib);
      if (r === undefined) continue;
      const w = r.wait;
      const cy = y + rowH / 2;
      const color = COLORS[lib];
      parts.push(`<text x="20" y="${cy + 4}" fill="${color}">${esc(LABELS[lib])}</text>`);
      if (w.n > 0) {
        parts.push(
          `<line x1="${x(w.p1).toFixed(1)}" y1="${cy}" x2="${x(w.p99).toFixed(1)}" y2="${cy}" stroke="${color}" stroke-width="1.5"/>`,
        );
        for (const v of [w.p1, w.p99])
          parts.push(`<line x1="${x(v).toFixed(1)}" y1="${cy - 4}" x2="${x(v).toFixed(1)}" y2="${cy + 4}" stroke="${color}"/>`);
        const bx = x(w.p25);
        parts.push(
          `<rect x="${bx.toFixed(1)}" y="${cy - 7}" width="${Math.max(1, x(w.p75) - bx).toFixed(1)}" height="14" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`,
        );
        parts.push(
          `<line x1="${x(w.p50).toFixed(1)}" y1="${cy - 8}" x2="${x(w.p50).toFixed(1)}" y2="${cy + 8}" stroke="${color}" stroke-width="3"/>`,
        );
        const mx = x(w.max);
        parts.push(`<path d="M${mx.toFixed(1)} ${cy - 5} l5 5 l-5 5 l-5 -5 z" fill="${color}"/>`);
      }
      parts.push(
        `<text x="${width - right + 12}" y="${cy + 4}" fill="#333">${esc(`p50 ${f2(w.p50)} · p99 ${w.p99 >= 100 ? f0(w.p99) : f1(w.p99)} · ${f0(r.csPerSec)} CS/s`)}</text>`,
      );
      y += rowH;
    }
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
