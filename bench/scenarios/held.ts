/**
 * Scenario "held": the cost of holding many auto-extended locks on 3 servers — client CPU,
 * requests and server commands per second per server, memory — for Tenure (batched keeper,
 * and with batching off, measured in the same run), node-redlock 5's using() and
 * redis-semaphore's refresh. Each round runs in a fresh process (bench/held-worker.ts).
 *
 * Two counts for one server (the first), both taken by the worker over the hold: requests,
 * the commands clients sent it, and server commands, those it ran, script internals included.
 * They differ because a server counts the commands scripts run like the ones it is sent (see
 * held-worker.ts), so the requests are counted in the client.
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
  /** Commands per second one server ran while the locks were held, those scripts ran included (total_commands_processed). */
  readonly serverCommandsPerSec: number;
  /** Requests per second the clients sent that server (counted in the client: scripts and plain commands; not what scripts ran). */
  readonly requestsPerSec: number;
  /** Script calls per second that server ran (EVAL, EVALSHA, FCALL in commandstats): no more than the requests. */
  readonly scriptCallsPerSec: number;
}

export const HELD_LIBS: readonly HeldConfig['lib'][] = ['tenure', 'tenure-unbatched', 'redlock5', 'redis-semaphore'];

function round(config: HeldConfig): Promise<HeldResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'held-worker.ts')], {
      env: { ...process.env, BENCH_HELD: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`held worker (${config.lib}, ${config.count}) exited ${code}`));
      const sample = JSON.parse(out.trim().split('\n').pop() ?? '') as HeldSample;
      resolve({
        ...sample,
        lib: config.lib,
        count: config.count,
        holdMs: config.holdMs,
        cpuPercent: (100 * sample.cpuMs) / sample.heldMs,
        serverCommandsPerSec: (1000 * sample.server.commands) / sample.server.ms,
        requestsPerSec: (1000 * sample.requests[0]!) / sample.heldMs,
        scriptCallsPerSec: (1000 * sample.server.scripts) / sample.server.ms,
      });
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
          const r = await round({ lib, urls: set.urls, count, ttl: 3_000, holdMs, tenureSource });
          log(
            `held ${lib} ×${count}: ${r.cpuPercent.toFixed(1)} % CPU, ${Math.round(r.requestsPerSec)} requests/s and ${Math.round(r.serverCommandsPerSec)} commands/s per server (${Math.round(r.scriptCallsPerSec)} script calls/s), ${r.held}/${count} held`,
          );
          // The client's count cannot be below the server's own count of script calls, a request
          // each (but for a call or two at the edges of the window).
          if (r.requests[0]! < r.server.scripts - Math.max(2, r.server.scripts / 100)) {
            log(`held ${lib} ×${count}: warning: ${r.requests[0]} requests counted, ${r.server.scripts} script calls run`);
          }
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
    'Each library auto-extends as a user would (Tenure every ttl/3; node-redlock 5 `using()` extends 500 ms before expiry; redis-semaphore refreshes every ttl/3).',
    '',
    "Two counts for the first server, over the same window as the CPU time: **requests**, the commands clients sent it (counted in the client process, as ioredis writes them), and **server commands**, what it ran (its `total_commands_processed`), which counts the commands scripts run as well as the requests — as commandstats does (on Redis 7.0, an EVAL of a script doing 10 GETs adds 11 to both). Every renewal here runs a script that checks and expires each key: a GET and a PEXPIRE per lock, but in Tenure's batches, which read all their keys with one MGET and then PEXPIRE each. Batching cuts the requests far more than the server commands: Redis 7.0 has no command that sets an expiry only where the key holds a given value, so one PEXPIRE per lock remains.",
    '',
    '| locks | library | client CPU (% of a core) | requests/s sent to one server | commands/s it ran, script internals included | client memory growth | still held |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...ratios,
    '',
  ].join('\n');
}
