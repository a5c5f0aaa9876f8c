/**
 * Scenario "held": the cost of holding many auto-extended locks on 3 servers — client CPU,
 * server commands per second per server, memory — for Tenure (batched keeper, and with
 * batching off, measured in the same run), node-redlock 5's using() and redis-semaphore's
 * refresh. Each round runs in a fresh process (bench/held-worker.ts); the servers' own
 * command statistics count the commands while the locks are held.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { TenureSource } from '../adapters.js';
import type { HeldConfig, HeldSample } from '../held-worker.js';
import { withServers } from '../rig.js';

export interface HeldResult extends HeldSample {
  readonly lib: HeldConfig['lib'];
  readonly count: number;
  readonly holdMs: number;
  /** Client CPU over the hold, % of one core. */
  readonly cpuPercent: number;
  /** Commands per second on one server while the locks were held (the commands scripts run included). */
  readonly serverCommandsPerSec: number;
  /** Requests per second the clients sent that server (EVAL/EVALSHA and plain commands; not what scripts ran). */
  readonly requestsPerSec: number;
}

export const HELD_LIBS: readonly HeldConfig['lib'][] = ['tenure', 'tenure-unbatched', 'redlock5', 'redis-semaphore'];

/** Every command the server ran, and the requests clients sent (scripts are how every library here renews). */
async function calls(client: Redis): Promise<{ total: number; requests: number }> {
  const stats = await client.info('commandstats');
  let total = 0;
  let scripts = 0;
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    total += Number(m[2]);
    if (/^eval/.test(m[1]!)) scripts += Number(m[2]);
  }
  // What scripts ran (GET, PEXPIRE, ...) is in the total; the requests are the scripts themselves
  // plus what was sent plainly (INFO, PING, CONFIG): total − commands run inside scripts, which
  // we do not see apart, so count requests as the script calls plus the plain admin commands.
  const plain = [...stats.matchAll(/^cmdstat_(info|ping|config\|[a-z]+|echo|client\|[a-z]+):calls=(\d+)/gm)].reduce(
    (n, m) => n + Number(m[2]),
    0,
  );
  return { total, requests: scripts + plain };
}

function round(config: HeldConfig, admin: Redis): Promise<HeldResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'held-worker.ts')], {
      env: { ...process.env, BENCH_HELD: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    type Count = { total: number; requests: number; at: number };
    const snapshot = async (): Promise<Count> => ({ ...(await calls(admin)), at: performance.now() });
    let first: Promise<Count> | undefined;
    let last: Promise<Count> | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The servers' counts cover the hold only: from 'holding' to 'released' (before the releases).
      if (first === undefined && out.includes('holding\n')) first = admin.config('RESETSTAT').then(snapshot);
      if (last === undefined && out.includes('releasing\n')) last = snapshot();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || first === undefined || last === undefined) {
        return reject(new Error(`held worker (${config.lib}, ${config.count}) exited ${code}`));
      }
      void Promise.all([first, last]).then(([a, b]) => {
        const sample = JSON.parse(line) as HeldSample;
        const seconds = (b.at - a.at) / 1000;
        resolve({
          ...sample,
          lib: config.lib,
          count: config.count,
          holdMs: config.holdMs,
          cpuPercent: (100 * sample.cpuMs) / config.holdMs,
          serverCommandsPerSec: (b.total - a.total) / seconds,
          requestsPerSec: (b.requests - a.requests) / seconds,
        });
      }, reject);
    });
  });
}

/** Every library at every count, one after another (never two at once), on fresh servers. */
export async function scenarioHeld(
  tenureSource: TenureSource,
  counts: readonly number[],
  holdMs: number,
  log: (m: string) => void,
): Promise<HeldResult[]> {
  return withServers(3, async (set) => {
    const admin = new Redis(set.urls[0]!);
    const results: HeldResult[] = [];
    try {
      for (const count of counts) {
        for (const lib of HELD_LIBS) {
          const r = await round({ lib, urls: set.urls, count, ttl: 3_000, holdMs, tenureSource }, admin);
          log(
            `held ${lib} ×${count}: ${r.cpuPercent.toFixed(1)} % CPU, ${Math.round(r.serverCommandsPerSec)} commands/s per server, ${r.held}/${count} held`,
          );
          results.push(r);
          await admin.flushall();
        }
      }
    } finally {
      admin.disconnect();
    }
    return results;
  });
}

/** The scenario's table (Markdown). */
export function heldMarkdown(results: readonly HeldResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.count} | ${r.lib} | ${r.cpuPercent.toFixed(1)} % | ${Math.round(r.requestsPerSec).toLocaleString('en-US')} | ${Math.round(r.serverCommandsPerSec).toLocaleString('en-US')} | ${r.rssMb.toFixed(1)} MB | ${r.held}/${r.count} |`,
  );
  const ratios: string[] = [];
  for (const count of new Set(results.map((r) => r.count))) {
    const on = results.find((r) => r.count === count && r.lib === 'tenure');
    const off = results.find((r) => r.count === count && r.lib === 'tenure-unbatched');
    if (on && off) {
      ratios.push(
        `- ${count} locks: batching cuts requests ${(off.requestsPerSec / Math.max(1, on.requestsPerSec)).toFixed(1)}×, server commands (script internals included) ${(off.serverCommandsPerSec / Math.max(1, on.serverCommandsPerSec)).toFixed(1)}×, client CPU ${(off.cpuPercent / Math.max(0.01, on.cpuPercent)).toFixed(1)}×`,
      );
    }
  }
  return [
    '## Held: the cost of holding auto-extended locks (3 servers, ttl 3 s)',
    '',
    'Each library auto-extends as a user would (Tenure every ttl/3; node-redlock 5 `using()` extends 500 ms before expiry; redis-semaphore refreshes every ttl/3). Every renewal checks and expires each key inside a script (two commands per lock), so batching cuts the requests, not those.',
    '',
    '| locks | library | client CPU (% of a core) | requests/s (one server) | server commands/s, script internals included | client memory growth | still held |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...ratios,
    '',
  ].join('\n');
}
