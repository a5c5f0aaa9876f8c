/**
 * The timeline of one scenario, as a hand-written SVG: one panel per contender, one row per
 * worker (a bar while it was inside its critical section), one row per server (whose value
 * it held, in that worker's colour; grey for a value no section used — a failed attempt's
 * vote; dark for no answer), the faults as bands, and every overlap in red.
 */
import type { RunResult } from './run-scenario.js';
import { LABELS, WORKERS } from './scenarios.js';

const WIDTH = 1000;
const LEFT = 110;
const RIGHT = 20;
const ROW = 13;
const GAP = 3;
const TITLE = 30;
const AXIS = 22;
const WORKER_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#7f7f7f'];
const FAULT_COLORS: Record<string, string> = {
  restart: '#ff7f0e',
  rolling: '#ff7f0e',
  flushall: '#e377c2',
  eviction: '#8c6d31',
  stall: '#3182bd',
  blackhole: '#000000',
  'fast-clock': '#e6c300',
};
const FAULT_LABELS: Record<string, string> = {
  restart: 'restart',
  rolling: 'restart',
  flushall: 'FLUSHALL',
  eviction: 'evict',
  stall: 'stall',
  blackhole: 'black hole',
  'fast-clock': 'fast clock',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const f1 = (n: number): string => n.toFixed(1);
const secs = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

function panel(r: RunResult, top: number): { svg: string; height: number } {
  const { scenario: s, t0 } = r;
  const lastExit = Math.max(r.t1, ...r.sections.map((x) => x.exit ?? r.t1), ...r.servers.flatMap((segs) => segs.map((g) => g.end)));
  const span = Math.max(1, lastExit - t0);
  const plot = WIDTH - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (Math.max(0, t - t0) / span) * plot;
  const w = (a: number, b: number): number => Math.max(2, x(b) - x(a));
  const rows = WORKERS + s.n;
  const rowY = (i: number): number => top + TITLE + i * (ROW + GAP) + (i >= WORKERS ? 6 : 0);
  const plotTop = rowY(0) - 2;
  const plotBottom = rowY(rows - 1) + ROW + 2;
  const out: string[] = [];
  const v = r.verdict;
  const label = r.contender.id === r.contender.lib ? LABELS[r.contender.lib] : `${LABELS[r.contender.lib]} (${r.contender.id})`;
  const tokens =
    v.tokenViolations === undefined ? '' : `, token order ${v.tokenViolations === 0 ? 'ok' : `${v.tokenViolations} out of order`}`;
  out.push(
    `<text x="${LEFT}" y="${top + 18}" class="h">${esc(label)}</text>`,
    `<text x="${WIDTH - RIGHT}" y="${top + 18}" class="s" text-anchor="end">overlaps ${v.overlaps.length}, lost updates ${v.lostUpdates}, acquisitions ${v.acquisitions} (${r.rate.toFixed(2)}/s)${tokens}</text>`,
  );
  // Row labels and backgrounds; the fast clock tints its server's row.
  for (let i = 0; i < rows; i++) {
    const y = rowY(i);
    const name = i < WORKERS ? `worker ${i + 1}` : `server ${i - WORKERS + 1}`;
    const fast = s.fault.kind === 'fast-clock' && i === WORKERS;
    out.push(`<rect x="${LEFT}" y="${y}" width="${plot}" height="${ROW}" fill="${fast ? '#fff3b0' : '#f4f4f4'}"/>`);
    out.push(
      `<text x="${LEFT - 6}" y="${y + ROW - 3}" class="l" text-anchor="end">${name}${fast ? ` (${FAULT_LABELS['fast-clock']})` : ''}</text>`,
    );
  }
  // Faults: a band over the panel, framed on the server it hit (drawn after the servers' rows).
  for (const m of r.faults) {
    if (m.kind === 'fast-clock') continue;
    const color = FAULT_COLORS[m.kind] ?? '#999';
    const tip = `${FAULT_LABELS[m.kind]} server ${m.server + 1} at ${secs(m.start - t0)}–${secs(m.end - t0)}${m.held ? ', while held there' : ', not held there'}${m.note ? `: ${m.note}` : ''}`;
    out.push(
      `<rect x="${f1(x(m.start))}" y="${plotTop}" width="${f1(w(m.start, m.end))}" height="${plotBottom - plotTop}" fill="${color}" opacity="0.15"><title>${esc(tip)}</title></rect>`,
    );
  }
  // What each server held.
  const byValue = new Map(r.sections.map((sec) => [sec.value, sec]));
  r.servers.forEach((segs, i) => {
    const y = rowY(WORKERS + i);
    for (const g of segs) {
      if (g.seen === null) continue;
      const sec = typeof g.seen === 'string' ? byValue.get(g.seen) : undefined;
      const fill = g.seen === undefined ? '#333' : sec ? WORKER_COLORS[sec.worker % WORKER_COLORS.length]! : '#b0b0b0';
      const tip =
        g.seen === undefined
          ? 'no answer'
          : sec
            ? `worker ${sec.worker + 1}'s lock (section ${sec.id})`
            : 'a value no section used (a failed attempt)';
      const inset = g.seen === undefined ? ` opacity="0.55"` : '';
      out.push(
        `<rect x="${f1(x(g.start))}" y="${y + 2}" width="${f1(w(g.start, g.end))}" height="${ROW - 4}" fill="${fill}"${inset}><title>${esc(`${tip}, ${secs(g.start - t0)}–${secs(g.end - t0)}`)}</title></rect>`,
      );
    }
  });
  // The server each fault hit: a frame, so that what the server held stays visible inside.
  for (const m of r.faults) {
    if (m.kind === 'fast-clock') continue;
    out.push(
      `<rect x="${f1(x(m.start))}" y="${rowY(WORKERS + m.server) - 1}" width="${f1(w(m.start, m.end))}" height="${ROW + 2}" fill="none" stroke="${FAULT_COLORS[m.kind] ?? '#999'}" stroke-width="2.5"/>`,
    );
  }
  // Sections.
  for (const sec of r.sections) {
    const end = sec.exit ?? lastExit;
    const y = rowY(sec.worker);
    const color = WORKER_COLORS[sec.worker % WORKER_COLORS.length]!;
    const token = sec.token === undefined ? '' : `, token ${sec.token}`;
    const how = sec.exit === undefined ? ', never left' : sec.lost ? ', lost (reported by the library) before its write' : '';
    const tip = `worker ${sec.worker + 1}, section ${sec.id}: ${secs(sec.enter - t0)}–${secs(end - t0)}${token}${how}`;
    const style = sec.lost ? ` fill-opacity="0.35" stroke="${color}" stroke-dasharray="3 2"` : '';
    out.push(
      `<rect x="${f1(x(sec.enter))}" y="${y}" width="${f1(w(sec.enter, end))}" height="${ROW}" fill="${color}"${style}><title>${esc(tip)}</title></rect>`,
    );
  }
  // Overlaps: a red band over the worker rows, and a red outline on both sections' overlap.
  for (const o of v.overlaps) {
    const a = r.sections[o.a]!;
    const b = r.sections[o.b]!;
    const tip = `overlap: workers ${a.worker + 1} and ${b.worker + 1}, ${secs(o.start - t0)}–${secs(o.end - t0)}`;
    out.push(
      `<rect x="${f1(x(o.start))}" y="${plotTop}" width="${f1(w(o.start, o.end))}" height="${rowY(WORKERS - 1) + ROW + 2 - plotTop}" fill="#d62728" opacity="0.3"><title>${esc(tip)}</title></rect>`,
    );
    for (const sec of [a, b]) {
      out.push(
        `<rect x="${f1(x(o.start))}" y="${rowY(sec.worker)}" width="${f1(w(o.start, o.end))}" height="${ROW}" fill="none" stroke="#d62728" stroke-width="2"/>`,
      );
    }
  }
  // Axis: a tick a second.
  const axisY = plotBottom + 4;
  out.push(`<line x1="${LEFT}" y1="${axisY}" x2="${LEFT + plot}" y2="${axisY}" stroke="#999"/>`);
  for (let t = 0; t <= span; t += 1000) {
    out.push(
      `<line x1="${f1(x(t0 + t))}" y1="${axisY}" x2="${f1(x(t0 + t))}" y2="${axisY + 4}" stroke="#999"/>`,
      `<text x="${f1(x(t0 + t))}" y="${axisY + 14}" class="l" text-anchor="middle">${t / 1000} s</text>`,
    );
  }
  out.push(
    `<line x1="${f1(x(r.t1))}" y1="${plotTop}" x2="${f1(x(r.t1))}" y2="${plotBottom}" stroke="#666" stroke-dasharray="2 2"><title>workers told to stop</title></line>`,
  );
  return { svg: out.join('\n'), height: plotBottom - top + AXIS };
}

/** The whole picture of one scenario: every contender's run, top to bottom. */
export function timelineSvg(runs: readonly RunResult[]): string {
  const s = runs[0]!.scenario;
  const head = 76;
  let y = head;
  const panels: string[] = [];
  for (const r of runs) {
    const p = panel(r, y);
    panels.push(p.svg);
    y += p.height + 8;
  }
  const legend: Array<readonly [string, string]> = [
    ...Array.from({ length: WORKERS }, (_, i) => [`worker ${i + 1}`, WORKER_COLORS[i % WORKER_COLORS.length]!] as const),
    ['a failed attempt’s vote', '#b0b0b0'],
    ['no answer', '#333'],
    ['overlap', '#d62728'],
    [`fault: ${FAULT_LABELS[s.fault.kind] ?? 'none'}`, FAULT_COLORS[s.fault.kind] ?? '#999'],
  ];
  let lx = LEFT;
  const items = legend.map(([text, color]) => {
    const item = `<rect x="${lx}" y="44" width="10" height="10" fill="${color}" opacity="0.8"/><text x="${lx + 14}" y="53" class="l">${esc(text)}</text>`;
    lx += 24 + text.length * 5.5;
    return item;
  });
  const note =
    'A worker’s bar: inside its critical section (dashed: the library reported the lock lost). A server’s bar: the worker whose lock value it held.';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    '<style>.h{font-size:13px;font-weight:bold}.s{font-size:11px}.l{font-size:10px;fill:#333}</style>',
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" class="h">${esc(`${s.id}: N = ${s.n}, ttl ${s.ttl} ms, ${WORKERS} workers`)}</text>`,
    `<text x="${LEFT}" y="34" class="s">${esc(`${s.title}.`)}</text>`,
    ...items,
    `<text x="${LEFT}" y="70" class="l">${esc(note)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
