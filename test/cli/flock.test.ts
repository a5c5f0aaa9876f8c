/** `tenure run` as flock(1) users write it: durations in seconds, -n, -w, -E, -c, -v, --limit, options stop at the command. */
import { execFileSync } from 'node:child_process';
import type { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { releaseChannel } from '../../src/index.js';
import { cliEntry, projectRoot } from '../helpers/build.js';
import { start, tenure } from '../helpers/cli.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const urls = (): string[] => inject('redis3');
const conn = (p: string): string[] => ['--redis', urls().join(','), '--prefix', p];

/** Clients subscribed to a lock's release channel, most on any one server: a waiter subscribes once its first attempt found the lock held. */
async function waiters(servers: readonly Redis[], p: string, resource: string): Promise<number> {
  const channel = releaseChannel(p, resource);
  const counts = await Promise.all(servers.map((c) => c.pubsub('NUMSUB', channel) as Promise<[string, number]>));
  return Math.max(...counts.map(([, n]) => Number(n)));
}

describe('tenure run, flock-style', () => {
  it('takes a bare number as seconds: --ttl 10 is a 10 s lock', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const t = start(['run', 'job', ...conn(p), '--ttl', '10', '--', 'sh', '-c', 'echo ready; sleep 30']);
    await waitFor(() => t.stdout().includes('ready'), { timeout: 10_000 });
    const info = await r.inspect('job');
    expect(info.held).toBe(true);
    expect(info.remaining).toBeGreaterThan(5_000);
    t.child.kill('SIGTERM');
    expect((await t.exit).code).toBe(143);
  });

  it('waits without limit by default (as flock does), and runs once the holder lets go', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const held = await r.acquire('job', { ttl: 30_000 });
    const servers = raw(urls());
    const t = start(['run', 'job', ...conn(p), '--', 'sh', '-c', 'echo ran']);
    // Waiting: its first attempt found the lock held and it subscribed for the release instead of
    // giving up, as the old default (no wait) did. (A long finite limit could only be seen by
    // waiting it out; this checks the old fault without a fixed pause.)
    await waitFor(async () => t.child.exitCode !== null || (await waiters(servers, p, 'job')) > 0, { timeout: 10_000 });
    expect(t.child.exitCode).toBeNull();
    await held.release();
    const e = await t.exit;
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('ran');
  });

  it('-n makes one attempt; -w 0.3 waits 300 ms; -E sets the status; --wait forever is accepted', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'the-holder' });
    await r.acquire('job', { ttl: 20_000 });
    const n = await tenure(['run', '-n', 'job', ...conn(p), 'echo', 'SHOULD-NOT-RUN']);
    expect(n.code).toBe(75);
    expect(n.stderr).toMatch(/"job" is held by the-holder .*not acquired \(--nonblock\)/);
    const w = await tenure(['run', 'job', '-w', '0.3', ...conn(p), 'true']);
    expect(w.code).toBe(75);
    expect(w.stderr).toContain('not acquired within 300 ms');
    const custom = await tenure(['run', 'job', '-n', '-E', '3', ...conn(p), 'true']);
    expect(custom.code).toBe(3);
    const servers = raw(urls());
    await waitFor(async () => (await waiters(servers, p, 'job')) === 0); // -w 0.3 is gone
    const forever = start(['run', 'job', '--wait', 'forever', ...conn(p), 'true']);
    await waitFor(async () => forever.child.exitCode !== null || (await waiters(servers, p, 'job')) > 0, { timeout: 10_000 });
    expect(forever.child.exitCode).toBeNull(); // parsed, and waiting
    forever.child.kill('SIGINT');
    expect((await forever.exit).code).toBe(130);
    expect(n.stdout + w.stdout).not.toContain('SHOULD-NOT-RUN');
  });

  it('reads options up to the command: `tenure run job sh -c ... --ttl` passes --ttl to the command; -- still works', async () => {
    const p = prefix();
    const [, ...redis] = conn(p);
    const e = await tenure(['run', '--redis', ...redis, 'job', '--ttl', '5', 'sh', '-c', 'echo "args: $*"', 'x', '--ttl', '-v']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('args: --ttl -v');
    const dashed = await tenure(['run', 'job', ...conn(p), '--', 'echo', '--wait', '1']);
    expect(dashed.stdout).toBe('--wait 1\n');
  });

  it('-c runs a shell string; a command and -c together, or -n with -w, are usage errors', async () => {
    const p = prefix();
    const e = await tenure(['run', 'job', ...conn(p), '-c', 'echo "token $TENURE_FENCING_TOKEN" | tr a-z A-Z; exit 4'], {
      SHELL: '/bin/sh',
    });
    expect(e.code).toBe(4);
    expect(e.stdout).toMatch(/^TOKEN \d+$/m);
    const both = await tenure(['run', 'job', ...conn(p), '-c', 'true', 'false']);
    expect(both.code).toBe(64);
    expect(both.stderr).toMatch(/either a command or -c, not both/);
    const conflict = await tenure(['run', 'job', '-n', '-w', '5', ...conn(p), 'true']);
    expect(conflict.code).toBe(64);
    expect(conflict.stderr).toMatch(/'-n, --nonblock' cannot be used with option '-w, --wait/);
    const badWait = await tenure(['run', 'job', '-w', '-1', ...conn(p), 'true']);
    expect(badWait.code).toBe(64);
    expect(badWait.stderr).toMatch(/or "forever"/);
  });

  it('-v says who holds the lock while waiting, and how long getting it took', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'holder-7' });
    const held = await r.acquire('job', { ttl: 30_000 });
    const t = start(['run', 'job', '-v', ...conn(p), 'true']);
    await waitFor(() => t.stderr().includes('waiting for "job": held by holder-7'), { timeout: 5_000 });
    await held.release();
    const e = await t.exit;
    expect(e.code).toBe(0);
    expect(e.stderr).toMatch(/got the lock on "job" after \d+(\.\d)? m?s \(fencing token \d+\)/);
    expect(e.stderr).not.toContain('\r'); // not a terminal: no live line
  });

  it('on a terminal, draws one live line while it waits', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'holder-8' });
    await r.acquire('job', { ttl: 30_000 });
    // script(1) gives the CLI a terminal; its output is what the terminal showed.
    const line = [process.execPath, cliEntry, 'run', 'job', '-w', '1.2', ...conn(p), 'true'].map((a) => `'${a}'`).join(' ');
    let out: string;
    try {
      out = execFileSync('script', ['-qec', line, '/dev/null'], {
        cwd: projectRoot,
        encoding: 'utf8',
        env: { ...process.env, TENURE_REDIS: '' },
      });
    } catch (error) {
      out = (error as { stdout: string }).stdout; // exit 75
    }
    const clear = '\r\u001b[2K';
    expect(out).toContain(`${clear}tenure run: waiting for "job" (`);
    expect(out).toMatch(/waiting for "job" \(\d+ ms\): held by holder-8 \(\d+\.\d s left\)/);
    expect(out).toContain('not acquired within 1.2 s');
  });

  it('--limit N admits N holders at once (a semaphore), each with a token', async () => {
    const p = prefix();
    const hold = (): ReturnType<typeof start> =>
      start(['run', '--limit', '2', 'pool', ...conn(p), 'sh', '-c', 'echo "in $TENURE_FENCING_TOKEN"; sleep 30']);
    const [a, b] = [hold(), hold()];
    await waitFor(() => a.stdout().includes('in ') && b.stdout().includes('in '), { timeout: 10_000 });
    const third = await tenure(['run', '--limit', '2', '-n', 'pool', ...conn(p), 'echo', 'SHOULD-NOT-RUN']);
    expect(third.code).toBe(75);
    expect(third.stderr).toContain('all 2 permits of "pool" are held; not acquired (--nonblock)');
    a.child.kill('SIGTERM');
    await a.exit;
    const now = await tenure(['run', '--limit', '2', '-n', 'pool', ...conn(p), 'echo', 'got a permit']);
    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout).toContain('got a permit');
    b.child.kill('SIGTERM');
  });
});
