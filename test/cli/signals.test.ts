/** Issue 11.5: no catchable signal is fatal to tenure alone; each is passed on to the command or handled. */
import { describe, expect, inject, it } from 'vitest';
import { start } from '../helpers/cli.js';
import { prefix, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const urls = (): string[] => inject('redis3');
const conn = (p: string): string[] => ['--redis', urls().join(','), '--prefix', p];
const PASSED = ['USR1', 'USR2', 'HUP', 'ALRM', 'WINCH', 'VTALRM', 'XCPU'] as const;
/** A command that reports each signal it gets, and exits 9 on TERM. */
const reporter = `for s in ${PASSED.join(' ')}; do trap "echo got-$s" $s; done; trap "echo got-TERM; exit 9" TERM; echo ready; while :; do sleep 0.05; done`;

describe('tenure run and signals', () => {
  it('passes SIGUSR1, SIGUSR2, SIGHUP, SIGALRM, SIGWINCH ... on to the command and keeps the lock; SIGTERM ends both cleanly', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const t = start(['run', 'job', ...conn(p), 'sh', '-c', reporter]);
    await waitFor(() => t.stdout().includes('ready'), { timeout: 10_000 });
    for (const s of PASSED) {
      if (s === 'HUP') continue; // HUP ends the command in most programs: sent last, below
      t.child.kill(`SIG${s}`);
      await waitFor(() => t.stdout().includes(`got-${s}`), { message: `the command did not get SIG${s}` });
    }
    expect(t.child.exitCode).toBeNull(); // tenure still runs
    expect((await r.inspect('job')).held).toBe(true);
    t.child.kill('SIGHUP');
    await waitFor(() => t.stdout().includes('got-HUP'));
    t.child.kill('SIGTERM');
    const e = await t.exit;
    expect(e.code).toBe(9);
    expect(e.stderr).not.toMatch(/Debugger listening|inspector/i); // SIGUSR1 did not start Node's inspector
    expect((await r.inspect('job')).held).toBe(false);
  });

  it('while waiting, SIGUSR1/SIGUSR2 are ignored; SIGTERM gives up the wait (143)', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    const held = await r.acquire('job', { ttl: 30_000 });
    const t = start(['run', 'job', '-v', ...conn(p), 'echo', 'ran']);
    await waitFor(() => t.stderr().includes('waiting for "job"'), { timeout: 5_000 });
    t.child.kill('SIGUSR2');
    t.child.kill('SIGUSR1');
    await held.release();
    const e = await t.exit; // it kept waiting, then ran
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('ran');

    await r.acquire('job', { ttl: 30_000 });
    const waiting = start(['run', 'job', '-v', ...conn(p), 'echo', 'SHOULD-NOT-RUN']);
    await waitFor(() => waiting.stderr().includes('waiting for "job"'), { timeout: 5_000 });
    waiting.child.kill('SIGTERM');
    expect((await waiting.exit).code).toBe(143);
  });
});

describe('tenure leader and signals', () => {
  it('passes SIGUSR2 and SIGUSR1 on to the command and keeps leading', async () => {
    const p = prefix();
    const t = start(['leader', 'main', ...conn(p), '--ttl', '2s', 'sh', '-c', reporter]);
    await waitFor(() => t.stdout().includes('ready'), { timeout: 10_000 });
    for (const s of ['USR2', 'USR1', 'ALRM'] as const) {
      t.child.kill(`SIG${s}`);
      await waitFor(() => t.stdout().includes(`got-${s}`), { message: `the command did not get SIG${s}` });
    }
    expect(t.child.exitCode).toBeNull();
    t.child.kill('SIGTERM');
    expect((await t.exit).code).toBe(9);
  });

  it('without a command, ignores SIGUSR2 and SIGUSR1, and ends on SIGTERM (143), resigning', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    // NODE_DEBUG=tenure: tenure says when it has ignored a signal, so the test need not pause.
    const t = start(['leader', 'main', ...conn(p), '--ttl', '2s', '--id', 'solo'], { NODE_DEBUG: 'tenure' });
    await waitFor(() => t.stderr().includes('elected leader'), { timeout: 10_000 });
    const running = (): boolean => t.child.exitCode === null && t.child.signalCode === null;
    t.child.kill('SIGUSR2');
    t.child.kill('SIGUSR1');
    await waitFor(() => !running() || ['SIGUSR2', 'SIGUSR1'].every((s) => t.stderr().includes(`${s}: ignored`)));
    expect(running()).toBe(true);
    expect((await r.inspect('election:main')).owner).toBe('solo');
    t.child.kill('SIGTERM');
    expect((await t.exit).code).toBe(143);
    expect((await r.inspect('election:main')).held).toBe(false);
  });
});
