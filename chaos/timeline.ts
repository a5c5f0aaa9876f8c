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

/** Where one panel's things go: time to x, rows to y. */
interface Frame {
  readonly top: number;
  readonly t0: number;
  readonly span: number;
  readonly plot: number;
  /** When the last section (or server segment) ended: where an open section's bar stops. */
  readonly lastExit: number;
  readonly rows: number;
  readonly plotTop: number;
  readonly plotBottom: number;
  x(t: number): number;
  w(a: number, b: number): number;
  rowY(i: number): number;
}

function frame(r: RunResult, top: number): Frame {
  const { scenario: s, t0 } = r;
  const lastExit = Math.max(r.t1, ...r.sections.map((x) => x.exit ?? r.t1), ...r.servers.flatMap((segs) => segs.map((g) => g.end)));
  const span = Math.max(1, lastExit - t0);
  const plot = WIDTH - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (Math.max(0, t - t0) / span) * plot;
  const w = (a: number, b: number): number => Math.max(2, x(b) - x(a));
  const rows = WORKERS + s.n;
  const rowY = (i: number): number => top + TITLE + i * (ROW + GAP) + (i >= WORKERS ? 6 : 0);
  return { top, t0, span, plot, lastExit, rows, plotTop: rowY(0) - 2, plotBottom: rowY(rows - 1) + ROW + 2, x, w, rowY };
}

function panel(r: RunResult, top: number): { svg: string; height: number } {
  const g = frame(r, top);
  const out = [
    ...heading(r, g),
    ...rowBackgrounds(r, g),
    ...faultBands(r, g),
    ...serverRows(r, g),
    ...faultFrames(r, g),
    ...sectionBars(r, g),
    ...overlapMarks(r, g),
    ...axis(r, g),
  ];
  return { svg: out.join('\n'), height: g.plotBottom - top + AXIS };
}

function heading(r: RunResult, g: Frame): string[] {
  const v = r.verdict;
  const label = r.contender.id === r.contender.lib ? LABELS[r.contender.lib] : `${LABELS[r.contender.lib]} (${r.contender.id})`;
  const tokens =
    v.tokenViolations === undefined ? '' : `, token order ${v.tokenViolations === 0 ? 'ok' : `${v.tokenViolations} out of order`}`;
  return [
    `<text x="${LEFT}" y="${g.top + 18}" class="h">${esc(label)}</text>`,
    `<text x="${WIDTH - RIGHT}" y="${g.top + 18}" class="s" text-anchor="end">overlaps ${v.overlaps.length}, lost updates ${v.lostUpdates}, acquisitions ${v.acquisitions} (${r.rate.toFixed(2)}/s)${tokens}</text>`,
  ];
}

/** Row labels and backgrounds; the fast clock tints its server's row. */
function rowBackgrounds(r: RunResult, g: Frame): string[] {
  const out: string[] = [];
  for (let i = 0; i < g.rows; i++) {
    const y = g.rowY(i);
    const name = i < WORKERS ? `worker ${i + 1}` : `server ${i - WORKERS + 1}`;
    const fast = r.scenario.fault.kind === 'fast-clock' && i === WORKERS;
    out.push(`<rect x="${LEFT}" y="${y}" width="${g.plot}" height="${ROW}" fill="${fast ? '#fff3b0' : '#f4f4f4'}"/>`);
    out.push(
      `<text x="${LEFT - 6}" y="${y + ROW - 3}" class="l" text-anchor="end">${name}${fast ? ` (${FAULT_LABELS['fast-clock']})` : ''}</text>`,
    );
  }
  return out;
}

/** Faults: a band over the panel, framed on the server it hit (faultFrames, drawn after the servers' rows). */
function faultBands(r: RunResult, g: Frame): string[] {
  const out: string[] = [];
  for (const m of r.faults) {
    if (m.kind === 'fast-clock') continue;
    const color = FAULT_COLORS[m.kind] ?? '#999';
    const tip = `${FAULT_LABELS[m.kind]} server ${m.server + 1} at ${secs(m.start - g.t0)}–${secs(m.end - g.t0)}${m.held ? ', while held there' : ', not held there'}${m.note ? `: ${m.note}` : ''}`;
    out.push(
      `<rect x="${f1(g.x(m.start))}" y="${g.plotTop}" width="${f1(g.w(m.start, m.end))}" height="${g.plotBottom - g.plotTop}" fill="${color}" opacity="0.15"><title>${esc(tip)}</title></rect>`,
    );
  }
  return out;
}

/** What each server held. */
function serverRows(r: RunResult, g: Frame): string[] {
  const out: string[] = [];
  const byValue = new Map(r.sections.map((sec) => [sec.value, sec]));
  r.servers.forEach((segs, i) => {
    const y = g.rowY(WORKERS + i);
    for (const seg of segs) {
      if (seg.seen === null) continue;
      const sec = typeof seg.seen === 'string' ? byValue.get(seg.seen) : undefined;
      const fill = seg.seen === undefined ? '#333' : sec ? WORKER_COLORS[sec.worker % WORKER_COLORS.length]! : '#b0b0b0';
      const tip =
        seg.seen === undefined
          ? 'no answer'
          : sec
            ? `worker ${sec.worker + 1}'s lock (section ${sec.id})`
            : 'a value no section used (a failed attempt)';
      const inset = seg.seen === undefined ? ` opacity="0.55"` : '';
      out.push(
        `<rect x="${f1(g.x(seg.start))}" y="${y + 2}" width="${f1(g.w(seg.start, seg.end))}" height="${ROW - 4}" fill="${fill}"${inset}><title>${esc(`${tip}, ${secs(seg.start - g.t0)}–${secs(seg.end - g.t0)}`)}</title></rect>`,
      );
    }
  });
  return out;
}

/** The server each fault hit: a frame, so that what the server held stays visible inside. */
function faultFrames(r: RunResult, g: Frame): string[] {
  return r.faults
    .filter((m) => m.kind !== 'fast-clock')
    .map(
      (m) =>
        `<rect x="${f1(g.x(m.start))}" y="${g.rowY(WORKERS + m.server) - 1}" width="${f1(g.w(m.start, m.end))}" height="${ROW + 2}" fill="none" stroke="${FAULT_COLORS[m.kind] ?? '#999'}" stroke-width="2.5"/>`,
    );
}

/** Sections. */
function sectionBars(r: RunResult, g: Frame): string[] {
  return r.sections.map((sec) => {
    const end = sec.exit ?? g.lastExit;
    const y = g.rowY(sec.worker);
    const color = WORKER_COLORS[sec.worker % WORKER_COLORS.length]!;
    const token = sec.token === undefined ? '' : `, token ${sec.token}`;
    const how = sec.exit === undefined ? ', never left' : sec.lost ? ', lost (reported by the library) before its write' : '';
    const tip = `worker ${sec.worker + 1}, section ${sec.id}: ${secs(sec.enter - g.t0)}–${secs(end - g.t0)}${token}${how}`;
    const style = sec.lost ? ` fill-opacity="0.35" stroke="${color}" stroke-dasharray="3 2"` : '';
    return `<rect x="${f1(g.x(sec.enter))}" y="${y}" width="${f1(g.w(sec.enter, end))}" height="${ROW}" fill="${color}"${style}><title>${esc(tip)}</title></rect>`;
  });
}

/** Overlaps: a red band over the worker rows, and a red outline on both sections' overlap. */
function overlapMarks(r: RunResult, g: Frame): string[] {
  const out: string[] = [];
  for (const o of r.verdict.overlaps) {
    const a = r.sections[o.a]!;
    const b = r.sections[o.b]!;
    const tip = `overlap: workers ${a.worker + 1} and ${b.worker + 1}, ${secs(o.start - g.t0)}–${secs(o.end - g.t0)}`;
    out.push(
      `<rect x="${f1(g.x(o.start))}" y="${g.plotTop}" width="${f1(g.w(o.start, o.end))}" height="${g.rowY(WORKERS - 1) + ROW + 2 - g.plotTop}" fill="#d62728" opacity="0.3"><title>${esc(tip)}</title></rect>`,
    );
    for (const sec of [a, b]) {
      out.push(
        `<rect x="${f1(g.x(o.start))}" y="${g.rowY(sec.worker)}" width="${f1(g.w(o.start, o.end))}" height="${ROW}" fill="none" stroke="#d62728" stroke-width="2"/>`,
      );
    }
  }
  return out;
}

/** Axis: a tick a second, and where the workers were told to stop. */
function axis(r: RunResult, g: Frame): string[] {
  const axisY = g.plotBottom + 4;
  const out = [`<line x1="${LEFT}" y1="${axisY}" x2="${LEFT + g.plot}" y2="${axisY}" stroke="#999"/>`];
  for (let t = 0; t <= g.span; t += 1000) {
    out.push(
      `<line x1="${f1(g.x(g.t0 + t))}" y1="${axisY}" x2="${f1(g.x(g.t0 + t))}" y2="${axisY + 4}" stroke="#999"/>`,
      `<text x="${f1(g.x(g.t0 + t))}" y="${axisY + 14}" class="l" text-anchor="middle">${t / 1000} s</text>`,
    );
  }
  out.push(
    `<line x1="${f1(g.x(r.t1))}" y1="${g.plotTop}" x2="${f1(g.x(r.t1))}" y2="${g.plotBottom}" stroke="#666" stroke-dasharray="2 2"><title>workers told to stop</title></line>`,
  );
  return out;
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
