/**
 * The README's examples (examples/*.ts, written against `import ... from 'tenure'`) run as
 * programs against the shared 3-instance set, and must succeed and say what they did.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../helpers/build.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { prefix } from '../helpers/tenure.js';

const run = promisify(execFile);

async function example(file: string, env: Record<string, string> = {}): Promise<string> {
  // TypeScript through tsx; plain JavaScript (.mjs) as Node.js runs it, with nothing loaded first.
  const loader = file.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const { stdout } = await run(process.execPath, [...loader, join(projectRoot, 'examples', file)], {
    cwd: projectRoot,
    env: { ...process.env, TENURE_REDIS: inject('redis3').join(','), TENURE_PREFIX: prefix(), ...env },
    timeout: 20_000,
  });
  return stdout;
}

describe('README examples', () => {
  it('quick start: acquire with await using, using(), tryAcquire', async () => {
    const out = await example('quick-start.ts');
    expect(out).toContain('orders while held: true');
    expect(out).toContain('report, signal aborted: false');
    expect(out).toContain('first: true, second: false, released: true');
  });

  it('quick start in plain JavaScript on Node.js 20 (no await using): the same steps', async () => {
    const out = await example('quick-start.mjs');
    expect(out).toContain('orders while held: true');
    expect(out).toContain('report, signal aborted: false');
    expect(out).toContain('refreshed the cache');
  });

  it('failover: a resigning leader is replaced, with a higher term', async () => {
    expect(await example('failover.ts')).toMatch(/api-\d took over from api-\d/);
  });

  it('nightly job: each period runs once across three instances', async () => {
    // About three periods in three seconds; the example itself throws if a period ran twice.
    expect(await example('nightly-job.ts')).toMatch(/[2-9] periods, one run each/);
  });

  it('migration: runs once; the others wait for it', async () => {
    const p = prefix();
    const out = await example('migration.ts', { TENURE_PREFIX: p });
    expect(out).toContain('ran once; the others waited for it');
    expect(out.match(/"ran":true/g)).toHaveLength(1);
    // Again on the same servers: it ran before, so nobody runs it now.
    const again = await example('migration.ts', { TENURE_PREFIX: p });
    expect(again).toContain('done before: nobody ran it again');
    expect(again).not.toMatch(/"ran":true/);
  });
});

describe('README examples: clients, metrics, cron', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(() => cluster?.stop());

  it('node-redis: createClient hands over by pub/sub and stays open; createCluster is one vote', async () => {
    const out = await example('node-redis.ts', { TENURE_CLUSTER: cluster.urls.join(',') });
    expect(out).toContain('node-redis: handed over, held: true');
    expect(out).toContain('after close, the clients are still open: true');
    expect(out).toContain('node-redis cluster: held report');
  });

  it('ioredis: Redis and Cluster clients, borrowed', async () => {
    const out = await example('ioredis.ts', { TENURE_CLUSTER: cluster.urls.join(',') });
    expect(out).toMatch(/ioredis: held with fencing token \d+/);
    expect(out).toContain('after close, the clients still answer: true');
    expect(out).toContain('ioredis cluster: held report');
  });

  it('Valkey GLIDE: hands over by pub/sub on a client of its own; yours stays open', async () => {
    const out = await example('valkey-glide.ts');
    expect(out).toContain('valkey-glide: handed over, held: true');
    expect(out).toContain('after close: PONG');
  });

  it('metrics: the instruments and their values, account:7 named account', async () => {
    const out = await example('metrics.ts');
    expect(out).toContain('contended: account (attempt 1)');
    expect(out).toMatch(/tenure\.lock\.acquire\.duration \(s\): .*"tenure\.outcome":"acquired"\} count=1/);
    expect(out).toContain('tenure.lock.contended ({attempt}): {"tenure.lock.name":"account"} 1');
    expect(out).not.toContain('account:7"');
  });

  it('cron job: each scheduled second runs once across three instances', async () => {
    expect(await example('cron-job.ts')).toMatch(/[2-9] scheduled times, one run each/);
  });
});
