/**
 * Scenario "blocked loop": four processes contend for one lock through `using()` (ttl 1 s)
 * on 3 servers, and the holder keeps its event loop busy (synchronous work) for 0.3–1.5 ×
 * ttl. A library that renews on the blocked thread lets the lock expire mid-section; another
 * process then enters while the first is still inside. Counted over ~12 s per library:
 * overlapping critical sections (wall-clock intervals of different processes that
 * intersect) and lost updates of a shared counter (read at entry, written at exit, on a
 * fourth server). Target with Tenure's `keeper: 'thread'`: 0 and 0, against the peers'.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { TenureSource } from '../adapters.js';
import type { BlockedConfig, BlockedLib, BlockedSample } from '../blocked-worker.js';
import { withServers } from '../rig.js';

export interface BlockedResult {
  readonly lib: BlockedLib;
  readonly processes: number;
  readonly ttl: number;
  readonly seconds: number;
  /** Critical sections completed (the counter written). */
  readonly sections: number;
  /** Pairs of sections of different processes that overlapped (by more than 1 ms). */
  readonly overlaps: number;
  /** Sections whose increment of the shared counter was lost: sections − final counter. */
  readonly lostUpdates: number;
  /** Sections the library itself reported as lost (an error, or an aborted signal). */
  readonly lostReported: number;
  /** Library calls that never settled within 5 × ttl of their section's end (node-redlock 5). */
  readonly stuck: number;
}

export const BLOCKED_LIBS: readonly BlockedLib[] = ['tenure-thread', 'tenure', 'redlock5', 'redis-semaphore'];
const PROCESSES = 4;
const TTL = 1_000;

function contender(config: BlockedConfig): Promise<BlockedSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'blocked-worker.ts')], {
      env: { ...process.env, BENCH_BLOCKED: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`blocked worker (${config.lib}) exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as BlockedSample);
    });
  });
}

/** Pairs of intervals of different processes that intersect by more than 1 ms. */
function overlaps(byProcess: ReadonlyArray<ReadonlyArray<[number, number]>>): number {
  const all = byProcess.flatMap((sections, p) => sections.map(([s, e]) => ({ p, s, e }))).sort((a, b) => a.s - b.s);
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length && all[j]!.s < all[i]!.e - 1; j++) if (all[j]!.p !== all[i]!.p) n++;
  }
  return n;
}

async function round(
  lib: BlockedLib,
  urls: readonly string[],
  counterUrl: string,
  ms: number,
  source: TenureSource,
): Promise<BlockedResult> {
  const counterKey = `blocked:${lib}:counter`;
  // Every contender starts taking the lock at once, a moment after all are spawned.
  const until = Date.now() + 2_000 + ms;
  const samples = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      contender({ lib, urls, counterUrl, counterKey, resource: `blocked:${lib}`, ttl: TTL, until, tenureSource: source }),
    ),
  );
  const counter = new Redis(counterUrl);
  const final = Number((await counter.get(counterKey)) ?? 0);
  counter.disconnect();
  const sections = samples.reduce((n, s) => n + s.sections.length, 0);
  const first = Math.min(...samples.flatMap((s) => s.sections.map(([start]) => start)));
  const last = Math.max(...samples.flatMap((s) => s.sections.map(([, end]) => end)));
  return {
    lib,
    processes: PROCESSES,
    ttl: TTL,
    seconds: (last - first) / 1000,
    sections,
    overlaps: overlaps(samples.map((s) => s.sections)),
    lostUpdates: sections - final,
    lostReported: samples.reduce((n, s) => n + s.lostReported, 0),
    stuck: samples.reduce((n, s) => n + s.stuck, 0),
  };
}

/** Every library in turn (never two at once), on fresh servers: 3 for the lock, one for the counter. */
export async function scenarioBlocked(source: TenureSource, ms: number, log: (m: string) => void): Promise<BlockedResult[]> {
  return withServers(4, async (set) => {
    const urls = set.urls.slice(0, 3);
    const results: BlockedResult[] = [];
    for (const lib of BLOCKED_LIBS) {
      const r = await round(lib, urls, set.urls[3]!, ms, source);
      log(
        `blocked ${lib}: ${r.sections} sections, ${r.overlaps} overlapping, ${r.lostUpdates} lost updates, ${r.lostReported} reported lost`,
      );
      results.push(r);
    }
    return results;
  });
}

/** The scenario's table (Markdown). */
export function blockedMarkdown(results: readonly BlockedResult[]): string {
  const rows = results.map(
    (r) => `| ${r.lib} | ${r.sections} | ${r.overlaps} | ${r.lostUpdates} | ${r.lostReported} | ${r.stuck} | ${r.seconds.toFixed(1)} s |`,
  );
  const thread = results.find((r) => r.lib === 'tenure-thread');
  const peers = results.filter((r) => r.lib === 'redlock5' || r.lib === 'redis-semaphore');
  const target = thread
    ? `- Target with \`keeper: 'thread'\`: 0 overlapping sections and 0 lost updates — ${thread.overlaps === 0 && thread.lostUpdates === 0 ? 'met' : 'NOT met'} (${thread.overlaps} and ${thread.lostUpdates}; peers: ${peers.map((p) => `${p.lib} ${p.overlaps} and ${p.lostUpdates}`).join(', ')}).`
    : '';
  return [
    `## Blocked loop: a holder that blocks its event loop (${PROCESSES} processes, 3 servers, ttl ${TTL / 1000} s)`,
    '',
    "Each holder, inside `using()`, reads a shared counter, runs synchronous work for 0.3–1.5 × ttl, then writes counter + 1. A keeper on the blocked thread cannot renew: the lock expires mid-section and another process enters. Tenure's `keeper: 'thread'` renews from a worker thread (until `maxStall`, 3 × ttl by default).",
    '',
    '| library | sections | overlapping sections | lost updates | reported lost by the library | calls that never settled | span |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    target,
    '',
  ].join('\n');
}
