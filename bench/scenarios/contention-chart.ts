/**
 * Scenario c's chart, bench/results/contention.svg: per config, one horizontal box plot of
 * each library's waits for the lock, on a log scale (waits run from a fraction of a
 * millisecond to seconds, and the tail is the point). Hand-written SVG, so the bench needs
 * no plotting library and the file diffs as text.
 */
import { CONTENTION, LABELS, LIBS, type LibName } from '../config.js';
import { byLib, f0, f1, f2 } from '../report.js';
import type { ContentionResult, Meta } from '../results-types.js';
import { contentionConfigs, mode } from './contention.js';

const COLORS: Record<LibName, string> = {
  tenure: '#1f77b4',
  redlock5: '#d62728',
  redlock4: '#ff7f0e',
  'redis-semaphore': '#2ca02c',
  raw: '#7f7f7f',
};

const WIDTH = 1000;
const LEFT = 250;
const RIGHT = 230;
const PLOT_W = WIDTH - LEFT - RIGHT;
const ROW_H = 22;
const HEAD_H = 26;
const TOP = 60;
/** The axis starts at 0.1 ms; shorter waits sit on it. */
const LO = 0.1;

type Scale = (ms: number) => number;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The axis's end (the first 1, 2, 5 or 10 × 10^k at or above the longest wait) and the ms → x mapping. */
function axis(contention: readonly ContentionResult[]): { hi: number; x: Scale } {
  let max = 1;
  for (const r of contention) if (Number.isFinite(r.wait.max)) max = Math.max(max, r.wait.max);
  const decade = 10 ** Math.floor(Math.log10(max));
  const hi = [1, 2, 5, 10].map((k) => k * decade).find((v) => v >= max)!;
  const x = (ms: number): number =>
    LEFT + (PLOT_W * (Math.log10(Math.max(LO, Math.min(hi, ms))) - Math.log10(LO))) / (Math.log10(hi) - Math.log10(LO));
  return { hi, x };
}

/** Grid lines (decades labelled, 2 and 5 faint), the axis's end label and its title. */
function grid(x: Scale, hi: number, bottom: number): string[] {
  const parts: string[] = [];
  for (let d = LO; d <= hi * 1.0001; d *= 10) {
    const gx = x(d);
    parts.push(`<line x1="${gx.toFixed(1)}" y1="${TOP - 6}" x2="${gx.toFixed(1)}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx.toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#444">${d >= 1 ? f0(d) : d.toFixed(1)}</text>`);
    for (const k of [2, 5]) {
      if (d * k <= hi * 1.0001)
        parts.push(`<line x1="${x(d * k).toFixed(1)}" y1="${TOP - 6}" x2="${x(d * k).toFixed(1)}" y2="${bottom}" stroke="#eee"/>`);
    }
  }
  if (hi / 10 ** Math.floor(Math.log10(hi)) > 1.0001) {
    parts.push(`<text x="${x(hi).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#444">${f0(hi)}</text>`);
  }
  parts.push(`<text x="${LEFT + PLOT_W / 2}" y="${bottom + 34}" text-anchor="middle" fill="#444">wait (ms)</text>`);
  return parts;
}

/** One library's row: its label, whiskers p1–p99, box p25–p75, median bar, max diamond, and its figures. */
function boxRow(r: ContentionResult, lib: LibName, cy: number, x: Scale): string[] {
  const w = r.wait;
  const color = COLORS[lib];
  const parts = [`<text x="20" y="${cy + 4}" fill="${color}">${esc(LABELS[lib])}</text>`];
  if (w.n > 0) {
    parts.push(`<line x1="${x(w.p1).toFixed(1)}" y1="${cy}" x2="${x(w.p99).toFixed(1)}" y2="${cy}" stroke="${color}" stroke-width="1.5"/>`);
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
    `<text x="${WIDTH - RIGHT + 12}" y="${cy + 4}" fill="#333">${esc(`p50 ${f2(w.p50)} · p99 ${w.p99 >= 100 ? f0(w.p99) : f1(w.p99)} · ${f0(r.csPerSec)} CS/s`)}</text>`,
  );
  return parts;
}

/** The SVG's opening, background, title and legend line. */
function frame(height: number, meta: Meta): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Wait for the lock: ${CONTENTION.workers} workers on one key, 3 instances, ${CONTENTION.csMs} ms critical section</text>`,
    `<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555">ms, log scale · whiskers p1–p99 · box p25–p75 · bar median · ◆ max${meta.quick ? ' · QUICK run' : ''}</text>`,
  ];
}

/** Per-library horizontal box plots of the contention waits, log-scale ms. */
export function contentionSvg(contention: readonly ContentionResult[], meta: Meta): string {
  const configs = contentionConfigs(contention);
  const { hi, x } = axis(contention);
  const rowsCount = configs.reduce((s, c) => s + c.rows.length, 0);
  const height = TOP + configs.length * HEAD_H + rowsCount * ROW_H + 70;
  const parts = [...frame(height, meta), ...grid(x, hi, height - 50)];
  let y = TOP;
  for (const c of configs) {
    parts.push(`<text x="10" y="${y + 17}" font-weight="bold">${esc(`${mode(c.processes)}, ${c.pauseMs} ms pause`)}</text>`);
    parts.push(`<line x1="10" y1="${y + HEAD_H - 2}" x2="${WIDTH - 10}" y2="${y + HEAD_H - 2}" stroke="#bbb"/>`);
    y += HEAD_H;
    for (const lib of LIBS) {
      const r = byLib(c.rows, lib);
      if (r === undefined) continue;
      parts.push(...boxRow(r, lib, y + ROW_H / 2, x));
      y += ROW_H;
    }
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
