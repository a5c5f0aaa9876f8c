/** `tenure leader --http` with real HTTP requests, `tenure observe`, and `tenure status --watch`. */
import net from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { healthOf } from '../../src/cli/leader-state.js';
import { start, tenure, type Running } from '../helpers/cli.js';
import { defer, prefix, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const urls = (): string[] => inject('redis3');
const conn = (p: string): string[] => ['--redis', urls().join(','), '--prefix', p];

interface View {
  id: string | null;
  term: string | null;
  since: string | null;
  leading: boolean;
  candidate: string;
}

/** Starts a sidecar on a free port; resolves with it and its base URL. */
async function sidecar(p: string, id: string, extra: string[] = []): Promise<{ t: Running; base: string }> {
  const t = start(['leader', 'web', ...conn(p), '--ttl', '2s', '--id', id, '--http', '127.0.0.1:0', ...extra]);
  const base = await waitFor(() => /serving (http:\/\/[\d.:]+)/.exec(t.stderr())?.[1], { timeout: 10_000 });
  return { t, base };
}

const get = async (url: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

describe('tenure leader --http', () => {
  it('serves /leader, /healthz and /readyz: 200 on the leader, /readyz 503 on a follower until it leads', async () => {
    const p = prefix();
    const a = await sidecar(p, 'A');
    await waitFor(async () => (await get(`${a.base}/readyz`)).status === 200, { timeout: 10_000 });
    const b = await sidecar(p, 'B');
    const leaderA = JSON.parse((await get(`${a.base}/leader`)).body) as View;
    expect(leaderA).toMatchObject({ id: 'A', leading: true, candidate: 'A' });
    expect(BigInt(leaderA.term!)).toBeGreaterThan(0n);
    expect(Date.parse(leaderA.since!)).toBeGreaterThan(0);
    // A follower shows the election's highest fencing counter: at least the leader's term (a
    // server that answered the leader's acquisition late may hold a higher, never-issued value).
    await waitFor(async () => {
      const term = (JSON.parse((await get(`${b.base}/leader`)).body) as View).term;
      return term !== null && BigInt(term) >= BigInt(leaderA.term!);
    });
    expect(JSON.parse((await get(`${b.base}/leader`)).body)).toMatchObject({ id: 'A', leading: false, candidate: 'B' });
    expect(await get(`${b.base}/readyz`)).toEqual({ status: 503, body: 'not the leader\n' });
    expect(await get(`${a.base}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    expect((await get(`${b.base}/healthz`)).status).toBe(200);
    expect((await get(`${a.base}/nothing`)).status).toBe(404);
    expect((await fetch(`${a.base}/leader`, { method: 'POST' })).status).toBe(405);

    a.t.child.kill('SIGTERM'); // resigns: B takes over at once
    expect((await a.t.exit).code).toBe(143);
    await waitFor(async () => (await get(`${b.base}/readyz`)).status === 200, { timeout: 10_000 });
    const leaderB = JSON.parse((await get(`${b.base}/leader`)).body) as View;
    expect(leaderB).toMatchObject({ id: 'B', leading: true });
    expect(BigInt(leaderB.term!)).toBeGreaterThan(BigInt(leaderA.term!));
    b.t.child.kill('SIGINT');
    expect((await b.t.exit).code).toBe(130);
  });

  it('streams leader changes on /events (server-sent events), starting with the current one', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const other = r.election('web', { ttl: 30_000, id: 'other' }).start(); // someone else leads first
    await waitFor(() => other.isLeader);
    const b = await sidecar(p, 'B');
    const abort = new AbortController();
    defer(() => abort.abort());
    const res = await fetch(`${b.base}/events`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const events = (): View[] => [...text.matchAll(/^event: leader\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as View);
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })();
    await waitFor(() => events().some((e) => e.id === 'other'), { timeout: 10_000 });
    await other.stop();
    await waitFor(() => events().some((e) => e.id === 'B' && e.leading), { timeout: 10_000 });
    abort.abort();
    await pump;
    b.t.child.kill('SIGTERM');
    await b.t.exit;
  });

  it('runs a command while it leads, beside the HTTP side', async () => {
    const p = prefix();
    const a = await sidecar(p, 'A', ['sh', '-c', 'echo "leads $TENURE_FENCING_TOKEN"; exec sleep 30']);
    await waitFor(() => a.t.stdout().includes('leads '), { timeout: 10_000 });
    const view = JSON.parse((await get(`${a.base}/leader`)).body) as View;
    expect(a.t.stdout()).toContain(`leads ${view.term}`);
    a.t.child.kill('SIGTERM');
    expect((await a.t.exit).code).toBe(143);
  });

  it('exits 64 on a bad --http address or one already in use', async () => {
    const bad = await tenure(['leader', 'web', '--redis', urls()[0]!, '--http', 'nowhere']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--http.*Expected host:port/);
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => busy.close(resolve)));
    const port = (busy.address() as net.AddressInfo).port;
    const e = await tenure(['leader', 'web', ...conn(prefix()), '--http', `127.0.0.1:${port}`]);
    expect(e.code).toBe(64);
    expect(e.stderr).toMatch(new RegExp(`cannot serve HTTP on 127.0.0.1:${port}: .*EADDRINUSE`));
  });

  it('/healthz fails only when it believes it leads past its lease and the tolerance, or the campaign stopped', () => {
    const base = { believed: true, leading: true, staleFor: 0, tolerance: 2_000, campaignOk: true };
    expect(healthOf(base)).toBeNull();
    expect(healthOf({ ...base, leading: false, staleFor: 1_000 })).toBeNull(); // within the tolerance
    expect(healthOf({ ...base, leading: false, staleFor: 2_500 })).toMatch(/believes it leads, but its lease ran out 2\.5 s ago/);
    expect(healthOf({ ...base, believed: false, leading: false, staleFor: 9_000 })).toBeNull(); // a follower is healthy
    expect(healthOf({ ...base, campaignOk: false })).toBe('the campaign is not running');
  });
});

describe('tenure observe', () => {
  it('prints the leader and each change as JSON lines, without campaigning', async () => {
    const p = prefix();
    const o = start(['observe', 'web', ...conn(p), '--json', '--interval', '100ms']);
    const lines = (): Array<{ at: string; id: string | null; term: string | null }> =>
      o
        .stdout()
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { at: string; id: string | null; term: string | null });
    await waitFor(() => lines().length === 1, { timeout: 10_000 });
    expect(lines()[0]).toMatchObject({ id: null, term: null });
    const a = start(['leader', 'web', ...conn(p), '--ttl', '2s', '--id', 'A']);
    await waitFor(() => lines().some((l) => l.id === 'A'), { timeout: 10_000 });
    a.child.kill('SIGTERM');
    await a.exit;
    await waitFor(() => lines().length === 3 && lines()[2]!.id === null, { timeout: 10_000 });
    expect(BigInt(lines()[1]!.term!)).toBeGreaterThan(0n);
    o.child.kill('SIGINT');
    expect((await o.exit).code).toBe(0);
    const r = redlock(urls(), { keyPrefix: p });
    expect((await r.inspect('election:web')).held).toBe(false); // it never campaigned
  });
});

describe('tenure status --watch', () => {
  it('off a terminal, prints a new table each time a holder changes (not when only the time left does)', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'first' });
    const w = start(['status', '--watch', '--interval', '100ms', ...conn(p)]);
    await waitFor(() => w.stdout().includes('no locks match "*"'), { timeout: 10_000 });
    const lock = await r.acquire('job', { ttl: 20_000, fence: true });
    await waitFor(() => /^job\s+first\s+\d+\.\d s\s+\d+\s+held on 3\/3, agree$/m.test(w.stdout()), { timeout: 10_000 });
    const tables = (): number => w.stdout().split(/^RESOURCE/m).length - 1;
    expect(tables()).toBe(1);
    await lock.release();
    await waitFor(() => w.stdout().split('no locks match').length === 3, { timeout: 10_000 });
    expect(tables()).toBe(1); // the time left changed at every look: no news, no new table
    w.child.kill('SIGTERM');
    expect((await w.exit).code).toBe(0);
  });
});
