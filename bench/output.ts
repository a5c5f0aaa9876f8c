/**
 * What a run leaves behind, put together from each scenario's own section: latest.md (the
 * header, the sections in the order the scenarios ran, the targets after e, then held and
 * blocked), latest.json (every number, compact enough to diff) and the contention chart.
 * Kept apart from run.ts so that the files can be rebuilt from a results object without
 * running anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { blockedMarkdown, type BlockedResult } from './scenarios/blocked.js';
import { heldMarkdown, type HeldResult } from './scenarios/held.js';
import { permitsMarkdown, type PermitResult } from './scenarios/permits.js';
import { header, targetsMarkdown } from './report.js';
import type { Results, Target } from './results-types.js';
import { contentionMarkdown, contentionTargets } from './scenarios/contention.js';
import { contentionSvg } from './scenarios/contention-chart.js';
import { extendMarkdown } from './scenarios/extend.js';
import { latencyMarkdown, latencyTargets } from './scenarios/latency.js';
import { loopsMarkdown, loopsTargets } from './scenarios/loops.js';
import { slowMarkdown, slowTargets } from './scenarios/slow.js';

const resultsDir = path.resolve(import.meta.dirname, 'results');

/** The targets of scenarios a–d, in that order. */
export function targets(results: Results): Target[] {
  return [
    ...latencyTargets(results.latency),
    ...loopsTargets(results.loops),
    ...contentionTargets(results.contention),
    ...slowTargets(results.slow),
  ];
}

export function markdown(
  results: Results,
  held: readonly HeldResult[],
  blocked: readonly BlockedResult[],
  permits: readonly PermitResult[] = [],
): string {
  const m = results.meta;
  return [
    header(m),
    latencyMarkdown(results.latency),
    loopsMarkdown(results.loops),
    contentionMarkdown(results.contention, m),
    slowMarkdown(results.slow),
    extendMarkdown(results.extend),
    targetsMarkdown(results.targets),
    heldMarkdown(held),
    blockedMarkdown(blocked),
    permitsMarkdown(permits),
  ].join('\n');
}

/** Indented JSON, but arrays of numbers on one line (the wait samples would be one per line). */
export function compactJson(value: unknown): string {
  const text = JSON.stringify(value, null, 1);
  return text.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, '')}]`) + '\n';
}

/** Writes bench/results/latest.md, latest.json and contention.svg; returns the Markdown. */
export function writeResults(results: Results, held: HeldResult[], blocked: BlockedResult[], permits: PermitResult[] = []): string {
  const md = markdown(results, held, blocked, permits);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latest.md'), md);
  writeFileSync(path.join(resultsDir, 'latest.json'), compactJson({ ...results, held, blocked, permits }));
  writeFileSync(path.join(resultsDir, 'contention.svg'), contentionSvg(results.contention, results.meta));
  return md;
}
