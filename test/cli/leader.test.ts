/** `tenure leader`, end to end: several sidecars, one command running at a time. */
import { describe, expect, inject, it } from 'vitest';
import { alive, start, tenure } from '../helpers/cli.js';
import { lockKey } from '../../src/index.js';
import { prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const urls = (): string[] => inject('redis3');
const conn = (p: string): string[] => ['--redis', urls().join(','), '--prefix', p];
/** Prints `leads <id> <term> <pid>`, then runs until stopped. */
const sidecar = (id: string): string[] => ['sh', '-c', `echo "leads ${id} $TENURE_FENCING_TOKEN $$"; exec sleep 30`];
const terms = (out: string): bigint[] => [...out.matchAll(/^leads \S+ (\d+) \d+$/gm)].map((m) => BigInt(m[1]!));

describe('tenure leader', () => {
  it('exits 76 when the command ended by itself but the leadership had been taken between renewals', async () => {
    const p = prefix();
    const key = lockKey(p, 'election:main');
    const steal = urls()
      .map((u) => `redis-cli -p ${new URL(u).port} set '${key}' other px 60000 >/dev/null`)
      .join('; ');
    const e = await tenure(['leader', 'main', ...conn(p), '--ttl', '30s', '--id', 'A', '--', 'sh', '-c', steal]);
    expect(e.code).toBe(76);
    expect(e.stderr).toMatch(/found gone when resigning/);
  });

  it('runs the command on one candidate only; when the leader is stopped, another takes over with a larger term', async () => {
    const p = prefix();
    const a = start(['leader', 'main', ...conn(p), '--ttl', '1s', '--id', 'A', '--', ...sidecar('A')]);
    await waitFor(() => a.stdout().includes('leads A'), { timeout: 10_000 });
    const b = start(['leader', 'main', ...conn(p), '--ttl', '1s', '--id', 'B', '--', ...sidecar('B')]);
    await waitFor(() => b.stderr().includes('campaigning for "main" as B'), { timeout: 10_000 });
    const status = await tenure(['status', 'election:*', '--json', ...conn(p)]);
    expect(JSON.parse(status.stdout)).toMatchObject([{ resource: 'election:main', held: true, owner: 'A' }]);
    expect(b.stdout()).toBe(''); // B does not lead: its command never started

    const commandA = Number(/leads A \d+ (\d+)/.exec(a.stdout())![1]);
    a.child.kill('SIGTERM'); // passed on to A's command, then A resigns
    const exitA = await a.exit;
    expect(exitA.code).toBe(128 + 15);
    await waitFor(() => !alive(commandA), { message: "A's command still runs" });
    await waitFor(() => b.stdout().includes('leads B'), { timeout: 10_000 }); // the resignation wakes B at once
    expect(terms(b.stdout())[0]!).toBeGreaterThan(terms(exitA.stdout)[0]!);
  });

  it('stops the command when the leadership is lost, then campaigns again and restarts it in a new term', async () => {
    const p = prefix();
    const a = start(['leader', 'main', ...conn(p), '--ttl', '900ms', '--grace', '300ms', '--id', 'A', '--', ...sidecar('A')]);
    await waitFor(() => a.stdout().includes('leads A'), { timeout: 10_000 });
    const first = Number(/leads A \d+ (\d+)/.exec(a.stdout())![1]);
    await Promise.all(raw(urls()).map((c) => c.del(`${p}{election:main}`)));
    await waitFor(() => terms(a.stdout()).length === 2, { timeout: 10_000, message: 'not re-elected' });
    expect(a.stderr()).toMatch(/lost the leadership .*; stopping the command/);
    expect(alive(first)).toBe(false); // stopped before the new term began
    const [t1, t2] = terms(a.stdout());
    expect(t2!).toBeGreaterThan(t1!);
    a.child.kill('SIGINT');
    expect((await a.exit).code).toBe(128 + 2);
  });

  it("exits with the command's status when it ends by itself, and resigns", async () => {
    const p = prefix();
    const e = await tenure(['leader', 'main', ...conn(p), '--ttl', '2s', '--', 'sh', '-c', 'exit 5']);
    expect(e.code).toBe(5);
    expect(e.stderr).toContain('the command exited (status 5); resigning');
    const status = await tenure(['status', '--json', ...conn(p)]);
    expect(JSON.parse(status.stdout)).toEqual([]);
  });
});
