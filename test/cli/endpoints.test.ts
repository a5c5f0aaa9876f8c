/** Endpoints on the command line: --redis repeats; Sentinel and Cluster URLs, each one vote; no password shown. */
import { describe, expect, inject, it } from 'vitest';
import { deadUrl, tenure } from '../helpers/cli.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';
import { MASTER_NAME, startReplicated } from '../helpers/redis-sentinel.js';
import { defer, prefix, redlock } from '../helpers/tenure.js';

interface Row {
  resource: string;
  held: boolean;
  instances: Array<{ instance: string; status: string }>;
}

describe('tenure --redis', () => {
  it('repeats and accumulates: each --redis adds votes (and replaces TENURE_REDIS)', async () => {
    const [a, b, c] = inject('redis3') as [string, string, string];
    const p = prefix();
    const r = redlock([a, b, c], { keyPrefix: p, owner: 'holder' });
    await r.acquire('job', { ttl: 20_000 });
    const e = await tenure(['status', '--json', '--prefix', p, '--redis', a, '--redis', `${b},${c}`], { TENURE_REDIS: await deadUrl() });
    expect(e.code, e.stderr).toBe(0);
    const [row] = JSON.parse(e.stdout) as [Row];
    expect(row.instances.map((i) => i.instance)).toEqual([a, b, c]);
  });

  it('takes redis+sentinel:// and redis+cluster:// URLs, each one vote, from --redis and TENURE_REDIS', { timeout: 60_000 }, async () => {
    const replicated = await startReplicated({ sentinel: true });
    defer(() => replicated.stop());
    const cluster = await startRedisCluster(3);
    defer(() => cluster.stop());
    const sentinel = `redis+sentinel://127.0.0.1:${replicated.sentinelPort},127.0.0.1:1/${MASTER_NAME}`; // a dead sentinel beside a live one
    const clusterUrl = `redis+cluster://${cluster.seeds.map((s) => `${s.host}:${s.port}`).join(',')}`;
    const [single] = inject('redis1') as [string];
    const p = prefix();
    const run = await tenure([
      'run',
      'job',
      '--prefix',
      p,
      '--redis',
      `${sentinel},${clusterUrl}`,
      '--redis',
      single,
      'sh',
      '-c',
      'echo ran',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ran');

    // A lock held on all three votes, seen through TENURE_REDIS.
    const r = redlock(
      [{ sentinels: [{ host: '127.0.0.1', port: replicated.sentinelPort! }], name: MASTER_NAME }, { cluster: cluster.seeds }, single],
      {
        keyPrefix: p,
      },
    );
    await r.acquire('held', { ttl: 20_000 });
    const status = await tenure(['status', 'held', '--json', '--prefix', p], { TENURE_REDIS: `${sentinel},${clusterUrl},${single}` });
    expect(status.code, status.stderr).toBe(0);
    const [row] = JSON.parse(status.stdout) as [Row];
    expect(row.held).toBe(true);
    expect(row.instances.map((i) => [i.instance, i.status])).toEqual([
      [sentinel, 'held'],
      [clusterUrl, 'held'],
      [single, 'held'],
    ]);
    const released = await tenure(['release', 'held', '--force', '--prefix', p], { TENURE_REDIS: `${sentinel},${clusterUrl},${single}` });
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toContain('removed "held" from 3 of 3 servers');
  });

  it('never prints a password: bad URLs and unreachable endpoints are shown without it', async () => {
    const dead = (await deadUrl()).replace('redis://', '');
    for (const url of [`redis://:s3cret@${dead}`, `redis+sentinel://user:s3cret@${dead}/m`, `redis+cluster://:s3cret@${dead}`]) {
      const e = await tenure(['run', 'job', '--redis', url, 'true']);
      expect(e.code, url).toBe(69);
      expect(e.stderr).not.toContain('s3cret');
      expect(e.stderr).toContain('***');
    }
    const bad = await tenure(['status', '--redis', 'redis+sentinel://:s3cret@h1:26379']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/names no master/);
    expect(bad.stderr).not.toContain('s3cret');
  });
});
