/** `tenure run`, end to end: the built CLI against real redis-servers. */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { alive, start, tenure } from '../helpers/cli.js';
import { lockKey } from '../../src/index.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';
import { startRedisSet } from '../helpers/redis-server.js';

const urls = (): string[] => inject('redis3');
const conn = (p: string): string[] => ['--redis', urls().join(','), '--prefix', p];

/** The CLI's errors are one line, never a stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('tenure run', () => {
  it('exits 76 when the lock was taken before the command ended (between renewals), even though the command succeeded', async () => {
    const p = prefix();
    const key = lockKey(p, 'job');
    // The command takes the lock from under tenure on every server, as a forced release and a new holder would.
    const steal = urls()
      .map((u) => `redis-cli -p ${new URL(u).port} set '${key}' other px 60000 >/dev/null`)
      .join('; ');
    const e = await tenure(['run', 'job', ...conn(p), '--ttl', '30', '--', 'sh', '-c', steal]);
    expect(e.code).toBe(76);
    expect(oneLine(e.stderr)).toMatch(/no longer held it when it was released.*not under the lock/);
  });

  it('a stalled server of three does not hold up the start: the command runs once a quorum answered', async () => {
    const set = await startRedisSet(3);
    try {
      set.servers[2]!.pause(); // accepts connections, answers nothing
      const started = Date.now();
      const e = await tenure(['run', 'job', '--redis', set.urls.join(','), '--', 'node', '-e', 'console.log(Date.now())']);
      expect(e.code, e.stderr).toBe(0);
      // Before the stalled server's 2 s connection check could time out (it used to be waited for).
      expect(Number(e.stdout.trim()) - started).toBeLessThan(1_900);
    } finally {
      set.servers[2]!.resume();
      await set.stop();
    }
  });

  it("runs the command under the lock and exits with the command's code", async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const e = await tenure(['run', 'job', ...conn(p), '--', 'sh', '-c', 'echo "running as $TENURE_RESOURCE"; exit 3']);
    expect(e.stdout).toContain('running as job');
    expect(e.code).toBe(3);
    expect((await r.inspect('job')).held).toBe(false); // released on exit
  });

  it('passes a fencing token that grows with every holder', async () => {
    const p = prefix();
    const tokens: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await tenure(['run', 'job', ...conn(p), '--', 'sh', '-c', 'echo "token=$TENURE_FENCING_TOKEN"']);
      expect(e.code).toBe(0);
      const m = /token=(\d+)/.exec(e.stdout);
      expect(m).not.toBeNull();
      tokens.push(BigInt(m![1]!));
    }
    expect(tokens[1]!).toBeGreaterThan(tokens[0]!);
    expect(tokens[2]!).toBeGreaterThan(tokens[1]!);
  });

  it('exits 75 with one line naming the holder when it cannot acquire within --wait', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'the-holder' });
    await r.acquire('job', { ttl: 10_000 });
    const e = await tenure(['run', 'job', ...conn(p), '--wait', '300ms', '--', 'sh', '-c', 'echo SHOULD-NOT-RUN']);
    expect(e.code).toBe(75);
    expect(e.stdout).not.toContain('SHOULD-NOT-RUN');
    expect(oneLine(e.stderr)).toMatch(/"job" is held by the-holder .* not acquired within 300 ms/);
  });

  it('waits up to --wait for the lock, then runs', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    await r.acquire('job', { ttl: 800 }); // never released: it expires
    const e = await tenure(['run', 'job', ...conn(p), '--wait', '10s', '--', 'sh', '-c', 'echo ran']);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('ran');
  });

  it('passes SIGTERM on to the command and exits with its code', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const t = start([
      'run',
      'job',
      ...conn(p),
      '--',
      'sh',
      '-c',
      'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done',
    ]);
    await waitFor(() => t.stdout().includes('ready'), { timeout: 10_000 });
    t.child.kill('SIGTERM');
    const e = await t.exit;
    expect(e.stdout).toContain('got-term');
    expect(e.code).toBe(7);
    expect((await r.inspect('job')).held).toBe(false);
  });

  it('exits 128+n when a signal ends the command', async () => {
    const p = prefix();
    const e = await tenure(['run', 'job', ...conn(p), '--', 'sh', '-c', 'kill -KILL $$']);
    expect(e.code).toBe(128 + 9);
  });

  it('stops the command (SIGTERM, then SIGKILL after --grace) and exits 76 when the lock is lost', async () => {
    const p = prefix();
    // The command ignores SIGTERM, and so does the background job it started: only SIGKILL stops them.
    const script = 'trap "" TERM; sleep 30 & echo "pids $$ $!"; wait; echo SHOULD-NOT-FINISH';
    const t = start(['run', 'job', ...conn(p), '--ttl', '600ms', '--grace', '300ms', '--', 'sh', '-c', script]);
    const m = await waitFor(() => /pids (\d+) (\d+)/.exec(t.stdout()), { timeout: 10_000 });
    const pids = [Number(m[1]), Number(m[2])];
    await Promise.all(raw(urls()).map((c) => c.del(`${p}{job}`))); // the lock vanishes under it
    const e = await t.exit;
    expect(e.code).toBe(76);
    expect(oneLine(e.stderr)).toMatch(/lost the lock on "job".*stopping the command/);
    expect(e.stdout).not.toContain('SHOULD-NOT-FINISH');
    for (const pid of pids) await waitFor(() => !alive(pid), { message: `process ${pid} still runs` });
  });

  it('exits 76 when `tenure release --force` takes the lock away', async () => {
    const p = prefix();
    const t = start(['run', 'job', ...conn(p), '--ttl', '900ms', '--', 'sh', '-c', 'echo ready; sleep 30']);
    await waitFor(() => t.stdout().includes('ready'), { timeout: 10_000 });
    const released = await tenure(['release', 'job', '--force', ...conn(p)]);
    expect(released.code).toBe(0);
    const e = await t.exit;
    expect(e.code).toBe(76);
    expect(e.stderr).toContain('lost the lock on "job"');
  });

  it('exits 127 with one line when the command does not exist, and releases the lock', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const e = await tenure(['run', 'job', ...conn(p), '--', 'no-such-command-tenure-test']);
    expect(e.code).toBe(127);
    expect(oneLine(e.stderr)).toContain('command not found');
    expect((await r.inspect('job')).held).toBe(false);
  });

  it('takes its endpoints from TENURE_REDIS', async () => {
    const p = prefix();
    const e = await tenure(['run', 'job', '--prefix', p, '--', 'sh', '-c', 'echo ok'], { TENURE_REDIS: urls().join(',') });
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('ok');
  });

  it('Ctrl-Z (SIGTSTP) stops the command with tenure; SIGCONT continues both', async () => {
    const p = prefix();
    // (A loop of builtins: a shell that forks `sleep` can be caught in vfork by the stop —
    // state D, waiting on its stopped child — though its whole group is stopped.)
    const running = start(['run', 'job', ...conn(p), '--', 'sh', '-c', 'echo "pid=$$"; while :; do :; done']);
    const pid = Number(await waitFor(() => /pid=(\d+)/.exec(running.stdout())?.[1]));
    const state = (n: number): string => /^\d+ \(.*\) (\S)/s.exec(readFileSync(`/proc/${n}/stat`, 'utf8'))![1]!;
    running.child.kill('SIGTSTP');
    await waitFor(() => state(pid) === 'T' && state(running.child.pid!) === 'T'); // both stopped
    running.child.kill('SIGCONT');
    await waitFor(() => state(pid) !== 'T' && state(running.child.pid!) !== 'T');
    running.child.kill('SIGTERM');
    const e = await running.exit;
    expect(e.code).toBe(143); // the command died of the forwarded SIGTERM
    expect(alive(pid)).toBe(false);
  });
});
