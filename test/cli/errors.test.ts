/** Every way the command line can be used wrongly, or find Redis down: one line, a documented exit code. */
import { describe, expect, inject, it } from 'vitest';
import { deadUrl, tenure } from '../helpers/cli.js';
import { prefix } from '../helpers/tenure.js';

/** The CLI's errors are one line, never a stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('tenure: usage errors exit 64 with one line', () => {
  const redis = (): string => inject('redis1').join(',');

  it('names the option and the value of a bad duration', async () => {
    const e = await tenure(['run', 'job', '--redis', redis(), '--ttl', '5parsecs', '--', 'true']);
    expect(e.code).toBe(64);
    expect(oneLine(e.stderr)).toMatch(/^tenure run: .*--ttl.*'5parsecs'.*duration like 10 \(seconds\), 0\.5, 500ms, 2m or 1h/);
  });

  it('accepts 10 (seconds), 0.5, 500ms, 5s and 2m', async () => {
    for (const ttl of ['10', '0.5', '500ms', '5s', '2m']) {
      const e = await tenure(['run', 'job', '--redis', redis(), '--prefix', prefix(), '--ttl', ttl, '--', 'true']);
      expect(e.code, `${ttl}: ${e.stderr}`).toBe(0);
    }
  });

  it('rejects a bad --redis URL, from the option or from TENURE_REDIS', async () => {
    const a = await tenure(['status', '--redis', 'localhost']);
    expect(a.code).toBe(64);
    expect(oneLine(a.stderr)).toMatch(/--redis.*"localhost" is not a URL/);
    const b = await tenure(['status'], { TENURE_REDIS: 'http://127.0.0.1:6379' });
    expect(b.code).toBe(64);
    expect(oneLine(b.stderr)).toMatch(/not a redis:\/\/, rediss:\/\/, redis\+sentinel:\/\/ or redis\+cluster:\/\/ URL/);
  });

  it('rejects an unknown option, a missing command, and release without --force', async () => {
    const unknown = await tenure(['status', '--bogus']);
    expect(unknown.code).toBe(64);
    expect(oneLine(unknown.stderr)).toMatch(/unknown option '--bogus'/);
    const missing = await tenure(['run', 'job']);
    expect(missing.code).toBe(64);
    expect(oneLine(missing.stderr)).toMatch(/missing the command: tenure run <resource> <command\.\.\.>/);
    const refused = await tenure(['release', 'job', '--redis', redis()]);
    expect(refused.code).toBe(64);
    expect(oneLine(refused.stderr)).toMatch(/refusing to delete the lock on "job" without --force/);
  });

  it('has --help on every command, each with its exit status', async () => {
    for (const command of [['run'], ['status'], ['release'], ['leader'], ['observe'], ['demo']]) {
      const e = await tenure([...command, '--help']);
      expect(e.code).toBe(0);
      expect(e.stdout).toMatch(/^Usage: tenure/);
      expect(e.stdout, command[0]).toMatch(/Exit status: .*64 bad usage/s);
    }
    const top = await tenure(['--help']);
    expect(top.stdout).toMatch(/Exit status: 64 bad usage; 69 Redis unreachable; 75 run: lock busy; 76 run: lock lost/);
    for (const name of ['run', 'status', 'release', 'leader', 'observe', 'demo']) expect(top.stdout).toContain(name);
    expect(top.stdout).not.toContain('demo-worker'); // internal
    const run = await tenure(['run', '--help']);
    for (const flag of ['-n, --nonblock', '-w, --wait', '-E, --conflict-exit-code', '-c, --command', '-v, --verbose', '--limit']) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe('tenure: Redis unreachable exits 69 with one line naming each server and why', () => {
  it('run, status and release --force', async () => {
    const dead = await deadUrl();
    for (const args of [
      ['run', 'job', '--redis', dead, '--', 'true'],
      ['status', '--redis', dead],
      ['release', 'job', '--force', '--redis', dead],
    ]) {
      const e = await tenure(args);
      expect(e.code, args.join(' ')).toBe(69);
      expect(oneLine(e.stderr)).toContain(`cannot reach Redis: ${dead}: connect ECONNREFUSED`);
    }
  });

  it('run needs a quorum: one live server of three is not enough', async () => {
    const [live] = inject('redis3');
    const dead = [await deadUrl(), await deadUrl()];
    const e = await tenure(['run', 'job', '--redis', [live, ...dead].join(','), '--', 'true']);
    expect(e.code).toBe(69);
    expect(oneLine(e.stderr)).toMatch(/1 of 3 answered, 2 needed.*ECONNREFUSED.*ECONNREFUSED/);
  });

  it('run goes ahead with a quorum when a minority is down', async () => {
    const [a, b] = inject('redis3');
    const e = await tenure([
      'run',
      'job',
      '--redis',
      [a, b, await deadUrl()].join(','),
      '--prefix',
      prefix(),
      '--',
      'sh',
      '-c',
      'echo ran',
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('ran');
  });
});
