/** `tenure demo`, end to end: its own redis-servers and workers, a killed leader, a paused worker. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { alive, start } from '../helpers/cli.js';
import { prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

interface Summary {
  leadersElected: number;
  leaderChanges: number;
  kill: { worker: string; successor: string; handoffMs: number } | null;
  pause: { worker: string; pausedMs: number } | null;
  jobTurns: number;
  tokensIncreasing: boolean;
  staleWritesRejected: number;
  staleWrites: Array<{ worker: string; token: string; highest: string }>;
  overlaps: number;
  problem: string | null;
  servers: string[];
}

/** The pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('tenure demo', () => {
  it('kills the leader, pauses a worker: a new leader, a stale write rejected by fencing, no overlap', { timeout: 90_000 }, async () => {
    const demo = start(['demo', '--quick', '--json']);
    const e = await demo.exit;
    expect(e.code, e.stderr).toBe(0);
    const s = JSON.parse(e.stdout) as Summary;
    expect(s.problem).toBeNull();
    expect(s.servers).toHaveLength(3);
    expect(s.overlaps).toBe(0);
    expect(s.tokensIncreasing).toBe(true);
    expect(s.leaderChanges).toBeGreaterThanOrEqual(1);
    expect(s.kill).not.toBeNull();
    expect(s.kill!.successor).not.toBe(s.kill!.worker);
    expect(s.kill!.handoffMs).toBeGreaterThan(0);
    expect(s.pause).not.toBeNull();
    expect(s.staleWritesRejected).toBeGreaterThanOrEqual(1);
    const stale = s.staleWrites.find((w) => w.worker === s.pause!.worker);
    expect(stale).toBeDefined();
    expect(BigInt(stale!.token)).toBeLessThan(BigInt(stale!.highest));
    expect(s.jobTurns).toBeGreaterThan(5);
  });

  it('honours TENURE_REDIS and --prefix: its keys under the prefix, removed after', { timeout: 60_000 }, async () => {
    const servers = inject('redis3');
    const p = prefix();
    const [client] = raw(servers);
    const seen = new Set<string>();
    const demo = start(['demo', '--quick', '--json', '--prefix', p], { TENURE_REDIS: servers.join(',') });
    while (demo.child.exitCode === null && seen.size === 0) {
      for (const key of await client!.keys(`${p}*`)) seen.add(key);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const e = await demo.exit;
    expect(e.code, e.stderr).toBe(0);
    const s = JSON.parse(e.stdout) as Summary;
    expect(s.servers).toEqual(servers); // no redis-servers of its own
    expect(s.overlaps).toBe(0);
    expect([...seen].every((k) => k.startsWith(`${p}demo:`))).toBe(true);
    expect(seen.size).toBeGreaterThan(0);
    expect(await client!.keys(`${p}*`)).toEqual([]); // cleaned up
  });

  it('stops every process it started on Ctrl-C (SIGINT) and exits 130', { timeout: 60_000 }, async () => {
    const demo = start(['demo']);
    await waitFor(() => demo.stdout().includes('elected leader'), { timeout: 30_000 });
    const started = childrenOf(demo.child.pid!); // 3 redis-servers and 5 workers
    expect(started.length).toBeGreaterThanOrEqual(8);
    demo.child.kill('SIGINT');
    const e = await demo.exit;
    expect(e.code).toBe(130);
    expect(e.stderr).toContain('interrupted by SIGINT: stopping every process it started');
    for (const pid of started) await waitFor(() => !alive(pid), { message: `process ${pid} was left running` });
  });
});
