/** `tenure status` and `tenure release --force`, end to end against three real servers. */
import { describe, expect, inject, it } from 'vitest';
import { tenure } from '../helpers/cli.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';

const urls = (): string[] => inject('redis3');
const conn = (p: string): string[] => ['--redis', urls().join(','), '--prefix', p];

interface Row {
  resource: string;
  held: boolean;
  owner: string | null;
  remaining: number;
  fencingToken: string | null;
  agree: boolean;
  instances: Array<{ instance: string; status: string; owner?: string; fencingToken?: string }>;
}

describe('tenure status', () => {
  it('lists the locks matching a pattern: a table for people', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'worker-7' });
    await r.acquire('orders', { ttl: 10_000, fence: true });
    await r.acquire('reports:daily', { ttl: 10_000 });
    const e = await tenure(['status', ...conn(p)]);
    expect(e.code, e.stderr).toBe(0);
    const lines = e.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RESOURCE\s+OWNER\s+REMAINING\s+TOKEN\s+SERVERS$/);
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines[1]).toMatch(/^orders\s+worker-7\s+\d\.\d s\s+\d+\s+held on 3\/3, agree$/);
    expect(lines[2]).toMatch(/^reports:daily\s+worker-7\s+/);

    const none = await tenure(['status', 'nothing*', ...conn(p)]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no locks match "nothing\*"/);
  });

  it('prints JSON for scripts, filtered by the glob', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'worker-7' });
    const lock = await r.acquire('reports:daily', { ttl: 10_000, fence: true });
    await r.acquire('orders', { ttl: 10_000 });
    const e = await tenure(['status', 'rep*', '--json', ...conn(p)]);
    expect(e.code, e.stderr).toBe(0);
    const rows = JSON.parse(e.stdout) as Row[];
    expect(rows).toHaveLength(1);
    const [row] = rows as [Row];
    expect(row).toMatchObject({ resource: 'reports:daily', held: true, owner: 'worker-7', agree: true });
    expect(BigInt(row.fencingToken!)).toBeGreaterThanOrEqual(lock.fencingToken!); // the highest issued on any server
    expect(row.remaining).toBeGreaterThan(0);
    expect(row.remaining).toBeLessThanOrEqual(10_000);
    expect(row.instances.map((i) => i.status)).toEqual(['held', 'held', 'held']);
    expect(row.instances.map((i) => i.instance)).toEqual(urls());
  });

  it('says when the servers disagree, and shows each one', async () => {
    const p = prefix();
    const [first] = raw(urls());
    await first!.set(`${p}{odd}`, 'abcdefabcdefabcdefabcdef.stray-owner', 'PX', 10_000);
    const json = JSON.parse((await tenure(['status', '--json', ...conn(p)])).stdout) as Row[];
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ resource: 'odd', held: false, agree: false, owner: null });
    expect(json[0]!.instances.map((i) => i.status)).toEqual(['held', 'free', 'free']);
    expect(json[0]!.instances[0]!.owner).toBe('stray-owner');

    const e = await tenure(['status', ...conn(p)]);
    expect(e.stdout).toMatch(/^odd\s+-\s+-\s+-\s+held on 1\/3 \(no quorum\), DISAGREE$/m);
    expect(e.stdout).toContain(`  ${urls()[0]}  held by stray-owner`);
    expect(e.stdout).toContain(`  ${urls()[1]}  free`);
  });

  it('says "unknown" where too few servers could answer for a lock, and shows each one', async () => {
    const p = prefix();
    const servers = raw(urls());
    // A key of another type on two servers: they answer with an error, and the third alone cannot tell.
    await Promise.all(servers.slice(0, 2).map((c) => c.rpush(`${p}{listed}`, 'x')));
    const e = await tenure(['status', ...conn(p)]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^listed\s+-\s+-\s+-\s+unknown, DISAGREE, 2 not answering$/m);
    expect(e.stdout).toMatch(new RegExp(`  ${urls()[0]}  error: .*WRONGTYPE`));
    expect(e.stdout).toContain(`  ${urls()[2]}  free`);
    const json = JSON.parse((await tenure(['status', '--json', ...conn(p)])).stdout) as Array<Row & { unknown?: boolean }>;
    expect(json[0]).toMatchObject({ resource: 'listed', held: false, unknown: true });
    expect(json[0]!.instances.map((i) => i.status)).toEqual(['error', 'error', 'free']);
  });
});

describe('tenure release --force', () => {
  it('deletes the lock on every server and says what it removed where', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p, owner: 'stuck-job' });
    const lock = await r.acquire('job', { ttl: 30_000, fence: true });
    const e = await tenure(['release', 'job', '--force', ...conn(p)]);
    expect(e.code, e.stderr).toBe(0);
    for (const url of urls()) expect(e.stdout).toMatch(new RegExp(`^${url}: removed the lock of stuck-job \\(\\d+\\.\\d s left\\)$`, 'm'));
    expect(e.stdout).toContain('removed "job" from 3 of 3 servers');
    expect((await r.inspect('job')).held).toBe(false);
    // The token counter stays, so the next holder's token is still larger.
    const next = await r.acquire('job', { ttl: 1_000, fence: true });
    expect(next.fencingToken!).toBeGreaterThan(lock.fencingToken!);

    const again = await tenure(['release', 'other', '--force', ...conn(p)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no lock on "other" to remove');
  });

  it('wakes a waiter at once', async () => {
    const p = prefix();
    const holder = redlock(urls(), { keyPrefix: p });
    await holder.acquire('job', { ttl: 60_000 });
    const waiter = redlock(urls(), { keyPrefix: p, retryDelay: 30_000, retryJitter: 0 });
    const waiting = waiter.acquire('job', { ttl: 5_000, wait: 20_000 });
    const e = await tenure(['release', 'job', '--force', ...conn(p)]);
    expect(e.code).toBe(0);
    const lock = await waiting; // without the wake-up it would sleep its 30 s retry delay and time out the test
    expect(lock.isHeld).toBe(true);
  });

  it('leaves sequences and window counters alone: not listed, and not deleted', async () => {
    const p = prefix();
    const r = redlock(urls(), { keyPrefix: p });
    await r.acquire('job', { ttl: 10_000 });
    const value = await r.sequence('invoices').next();
    await r.windowCounter('requests', { window: 60_000 }).add();
    const e = await tenure(['status', '--json', ...conn(p)]);
    expect(e.code, e.stderr).toBe(0);
    expect((JSON.parse(e.stdout) as Row[]).map((row) => row.resource)).toEqual(['job']);
    const refused = await tenure(['release', 'sequence:invoices', '--force', ...conn(p)]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/not a lock/);
    expect(await r.sequence('invoices').next()).toBe(value + 1n); // the counter is intact
  });
});
