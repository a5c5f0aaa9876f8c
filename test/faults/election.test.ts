/**
 * Leader election with candidates in separate processes, against 1 and 3 real instances:
 * the leader is killed (SIGKILL), stopped gracefully (SIGTERM: it resigns), cut off from
 * Redis (its connections black-holed by a proxy), and paused (SIGSTOP) past its ttl. Each
 * time: who leads next, how soon, that terms increase, and that no two candidates were
 * leader at the same moment by their own account (elected → demoted, or → killed).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { distEntry } from '../helpers/build.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { prefix } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const TTL = 1_000;
const COMMAND_TIMEOUT = 200; // renewals every ttl/3 must fit a timeout and a retry
const RETRY = TTL; // the candidates' retryDelay (fixtures/candidate.mjs): a missed wake-up would cost a whole ttl

interface Report {
  ev: 'started' | 'elected' | 'demoted' | 'leader' | 'campaignError' | 'stopped' | 'uncaught';
  at: number;
  term?: string;
  reason?: string;
  ended?: number;
  leader?: string | null;
  error?: string;
}

interface Candidate {
  readonly id: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly reports: Report[];
  readonly proxies: TcpProxy[];
  /** Wall-clock time it was SIGKILLed, if it was. */
  killedAt?: number;
}

let running: Candidate[] = [];

afterEach(async () => {
  for (const c of running) {
    c.child.kill('SIGCONT');
    c.child.kill('SIGKILL');
  }
  await Promise.allSettled(running.flatMap((c) => c.proxies.map((p) => p.close())));
  running = [];
});

async function candidates(
  urls: readonly string[],
  n: number,
  viaProxies = false,
  modes: string[] = [],
  keyPrefix = prefix(),
): Promise<Candidate[]> {
  const all: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const proxies = viaProxies ? await Promise.all(urls.map((u) => startProxy({ port: Number(new URL(u).port) }))) : [];
    const endpoints = viaProxies ? proxies.map((p) => p.url) : urls;
    const id = `c${running.length}`; // unique within a test, across calls
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'fixtures', 'candidate.mjs'),
        distEntry,
        endpoints.join(','),
        keyPrefix,
        'leader',
        id,
        String(TTL),
        String(COMMAND_TIMEOUT),
        modes[i] ?? '',
      ],
      { stdio: 'pipe' },
    );
    const c: Candidate = { id, child, reports: [], proxies };
    createInterface({ input: child.stdout }).on('line', (line) => c.reports.push(JSON.parse(line) as Report));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(`[${id}] ${d.toString()}`));
    all.push(c);
    running.push(c);
  }
  await waitFor(() => all.every((c) => c.reports.some((r) => r.ev === 'started')), { timeout: 10_000 });
  return all;
}

function events(c: Candidate, ev: Report['ev']): Report[] {
  return c.reports.filter((r) => r.ev === ev);
}

/** The candidates' leaderships by their own account, in order, with their terms. */
function leaderships(all: Candidate[]): { id: string; term: bigint; from: number; to: number }[] {
  const spans: { id: string; term: bigint; from: number; to: number }[] = [];
  for (const c of all) {
    const elected = events(c, 'elected');
    const demoted = events(c, 'demoted');
    elected.forEach((e, i) => {
      const d = demoted[i];
      const to = d ? d.ended! : (c.killedAt ?? Infinity);
      spans.push({ id: c.id, term: BigInt(e.term!), from: e.at, to });
    });
  }
  return spans.sort((a, b) => a.from - b.from);
}

/** No two leaderships overlap, and terms strictly increase from one leader to the next. */
function expectOneLeaderAtATime(all: Candidate[]): void {
  const spans = leaderships(all);
  for (let i = 1; i < spans.length; i++) {
    const [prev, next] = [spans[i - 1]!, spans[i]!];
    expect(
      next.from,
      `${next.id} elected while ${prev.id} led: ${JSON.stringify(spans, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    ).toBeGreaterThanOrEqual(prev.to);
    expect(next.term).toBeGreaterThan(prev.term);
  }
}

async function firstLeader(all: Candidate[]): Promise<Candidate> {
  return waitFor(() => all.find((c) => events(c, 'elected').length > 0), { timeout: 10_000 });
}

/** The next election among `others` after `since`. */
async function nextElected(others: Candidate[], since: number, timeout = 10_000): Promise<[Candidate, Report]> {
  return waitFor(
    () => {
      for (const c of others) {
        const e = events(c, 'elected').find((r) => r.at >= since);
        if (e) return [c, e] as [Candidate, Report];
      }
      return undefined;
    },
    { timeout, message: `nobody elected since ${since}: ${JSON.stringify(running.map((c) => ({ id: c.id, reports: c.reports })))}` },
  );
}

describe.each([
  ['1 instance', 'redis1'],
  ['3 instances', 'redis3'],
] as const)('election across processes on %s', (_, set) => {
  const urls = inject(set);

  it('a killed leader (SIGKILL) is replaced within ttl + one retry interval, with a higher term', async () => {
    const all = await candidates(urls, 3);
    const leader = await firstLeader(all);
    leader.killedAt = Date.now();
    leader.child.kill('SIGKILL');
    const [next, e] = await nextElected(
      all.filter((c) => c !== leader),
      leader.killedAt,
    );
    expect(next).not.toBe(leader);
    expect(e.at - leader.killedAt).toBeLessThan(TTL + RETRY + 500);
    expectOneLeaderAtATime(all);
  });

  it('a leader stopped gracefully (SIGTERM) resigns: another takes over in a few round trips, not a ttl', async () => {
    const all = await candidates(urls, 3);
    const leader = await firstLeader(all);
    leader.child.kill('SIGTERM');
    const d = await waitFor(() => events(leader, 'demoted')[0], { timeout: 5_000 });
    expect(d.reason).toBe('resigned');
    const [, e] = await nextElected(
      all.filter((c) => c !== leader),
      d.ended!, // when it resigned: its "demoted" report itself may come after the next election
    );
    expect(e.at - d.ended!).toBeLessThan(0.8 * RETRY); // woken by the release, not by its retry delay (room for a loaded machine)
    await waitFor(() => events(leader, 'stopped').length > 0);
    expectOneLeaderAtATime(all);
  });

  it('a leader cut off from Redis (connections black-holed) demotes itself before anyone else is elected', async () => {
    const all = await candidates(urls, 3, true);
    const leader = await firstLeader(all);
    const cutAt = Date.now();
    for (const p of leader.proxies) p.blackhole(true);
    const d = await waitFor(() => events(leader, 'demoted')[0], { timeout: 5_000 });
    expect(d.reason).toBe('error'); // its renewals timed out until the lease ran out
    const [, e] = await nextElected(
      all.filter((c) => c !== leader),
      cutAt,
    );
    expect(e.at).toBeGreaterThanOrEqual(d.at); // demoted fired first, by the wall clock
    expect(e.at - cutAt).toBeLessThan(TTL + RETRY + 500);
    expect(events(leader, 'elected')).toHaveLength(1); // cut off, it cannot be elected again
    expectOneLeaderAtATime(all);
  });

  it('a leader paused (SIGSTOP) past its ttl: another is elected; resumed, the old one knows it lost, as of its expiry', async () => {
    const all = await candidates(urls, 3);
    const leader = await firstLeader(all);
    const pausedAt = Date.now();
    leader.child.kill('SIGSTOP');
    const [next, e] = await nextElected(
      all.filter((c) => c !== leader),
      pausedAt,
    );
    expect(e.at - pausedAt).toBeLessThan(TTL + RETRY + 500);
    leader.child.kill('SIGCONT');
    const d = await waitFor(() => events(leader, 'demoted')[0], { timeout: 5_000 });
    expect(d.reason).toBe('lost');
    // It noticed late (it was stopped), but its leadership ended when its validity ran out:
    // before the new leader was elected.
    expect(d.ended!).toBeLessThanOrEqual(e.at);
    expect(d.ended!).toBeLessThan(d.at);
    // It campaigns again, and the new leader keeps leading.
    await waitFor(
      () => events(leader, 'leader').some((r) => r.leader === next.id && r.at >= d.at) || events(leader, 'elected').length > 1,
      { timeout: 5_000 },
    );
    expect(events(leader, 'elected')).toHaveLength(1);
    expectOneLeaderAtATime(all);
  });

  it('a leader whose elected listener throws still leads, renews and resigns: the exception surfaces, the campaign goes on', async () => {
    const keyPrefix = prefix();
    const [buggy] = await candidates(urls, 1, false, ['throw'], keyPrefix);
    await waitFor(() => events(buggy!, 'elected').length > 0 && events(buggy!, 'uncaught').length > 0, { timeout: 5_000 });
    expect(events(buggy!, 'uncaught')[0]!.error).toBe('listener bug'); // the listener's own exception, surfaced
    const [other] = await candidates(urls, 1, false, [], keyPrefix);
    // Renewals go on: still the only leader two ttls later.
    const since = Date.now();
    await waitFor(() => Date.now() - since > 2 * TTL, { timeout: 5_000, interval: 50 });
    expect(events(buggy!, 'demoted')).toHaveLength(0);
    expect(events(other!, 'elected')).toHaveLength(0);
    buggy!.child.kill('SIGTERM');
    const d = await waitFor(() => events(buggy!, 'demoted')[0], { timeout: 5_000 });
    expect(d.reason).toBe('resigned');
    const [, e] = await nextElected([other!], d.ended!);
    expect(e.at - d.ended!).toBeLessThan(0.8 * RETRY);
  });
});
