/**
 * Scenario d: one slow instance of three. Every server sits behind a TCP proxy in this
 * process, and in "slow" rounds one proxy adds SLOW_MS each way. A Redlock that waits for
 * every instance pays the slow one on every acquire and release; one that decides as soon
 * as a majority has answered does not. Sequential acquire + release on one key, the rounds
 * with and without the delay interleaved; times in ms.
 */
import type { TenureModule } from '../adapters.js';
import { DURATIONS, LABELS, LIBS, SLOW_MS, type LibName } from '../config.js';
import { byLib, f2, ratio, table } from '../report.js';
import type { SlowResult, Target } from '../results-types.js';
import { withProxies, withServers } from '../rig.js';
import { summarize } from '../stats.js';
import { get, open, sequential, warm } from './shared.js';

/** Every library on 3 fresh servers behind proxies; per rep, a round of each with the third proxy at 0 ms, then at SLOW_MS. */
export async function scenarioSlow(tenure: TenureModule, log: (m: string) => void): Promise<SlowResult[]> {
  log(`d. one slow instance of three (+${SLOW_MS} ms each way through a proxy)`);
  return withServers(3, (set) =>
    withProxies(set, async (proxies) => {
      const opened = await open(
        proxies.map((p) => p.url),
        tenure,
      );
      try {
        await warm(opened, DURATIONS.warmMs);
        type Samples = { acquire: number[]; release: number[] };
        const data = new Map<LibName, { base: Samples; slow: Samples; fails: number }>(
          LIBS.map((l) => [l, { base: { acquire: [], release: [] }, slow: { acquire: [], release: [] }, fails: 0 }]),
        );
        for (let rep = 0; rep < DURATIONS.reps; rep++) {
          for (const m of ['base', 'slow'] as const) {
            proxies[2]!.setLatency(m === 'slow' ? SLOW_MS : 0);
            for (const lib of LIBS) {
              const r = await sequential(get(opened, lib), `d:${rep}:${m}:${lib}`, DURATIONS.slowRoundMs);
              const d = data.get(lib)!;
              d[m].acquire.push(...r.acquire);
              d[m].release.push(...r.release);
              d.fails += r.fails;
            }
          }
        }
        proxies[2]!.setLatency(0);
        return LIBS.map((lib) => {
          const d = data.get(lib)!;
          return {
            lib,
            base: { acquire: summarize(d.base.acquire), release: summarize(d.base.release) },
            slow: { acquire: summarize(d.slow.acquire), release: summarize(d.slow.release) },
            fails: d.fails,
          };
        });
      } finally {
        await opened.close();
      }
    }),
  );
}

/** Tenure's acquire p50 with the slow instance within 1.5× of its p50 without. */
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

/** The section's table: acquire without and with the slow instance, release with it. */
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
