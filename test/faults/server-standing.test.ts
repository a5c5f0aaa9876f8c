/**
 * A server in doubt stops counting as a vote, and the Redlock says so: two endpoints that are
 * one server (same run_id), a server that can evict keys (with `strict`), and a server whose
 * clock runs at another rate than ours. Each case runs against real redis-servers; the clock
 * case runs the client's clock slow (an injected clock), so the servers' clocks look fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DuplicateServerError, QuorumError, type Redlock, type ServerSuspect } from '../../src/index.js';
import { startRedis, startRedisSet, type RedisProcess, type RedisSet } from '../helpers/redis-server.js';
import { raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
let extra: RedisProcess | undefined;
afterEach(async () => {
  await set?.stop();
  await extra?.stop();
  set = extra = undefined;
});

/** Process warnings of Tenure's, collected while the test runs. */
function warnings(): Error[] {
  const seen: Error[] = [];
  const listener = (w: Error): void => {
    if (w.name === 'TenureWarning') seen.push(w);
  };
  process.on('warning', listener);
  afterEach(() => void process.off('warning', listener));
  return seen;
}

function suspects(r: Redlock): ServerSuspect[] {
  const seen: ServerSuspect[] = [];
  r.on('serverSuspect', (e) => seen.push(e));
  return seen;
}

describe('one failure domain, one vote', () => {
  it('two endpoints on one server (two db numbers, two host names) are refused, naming both, before they can make a quorum', async () => {
    extra = await startRedis();
    const down = await startRedis();
    const downUrl = down.url;
    await down.stop(); // a third endpoint that does not answer
    const port = extra.port;
    for (const [first, second] of [
      [`redis://127.0.0.1:${port}/0`, `redis://127.0.0.1:${port}/1`],
      [`redis://127.0.0.1:${port}`, `redis://localhost:${port}`],
    ] as const) {
      const r = redlock([first, second, downUrl]);
      const seen = suspects(r);
      const error = await r.tryAcquire('orders', { ttl: 5_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateServerError);
      expect((error as DuplicateServerError).message).toContain(first);
      expect((error as DuplicateServerError).message).toContain(second);
      expect(seen.map((e) => e.reason)).toContain('duplicate');
      // ...and it stays refused.
      await expect(r.acquire('orders', { ttl: 5_000, wait: 100 })).rejects.toBeInstanceOf(DuplicateServerError);
      const [c] = raw([extra.url]);
      expect(await c!.keys('*')).toEqual([]); // nothing granted, nothing left behind
    }
  });
});

describe('servers that can evict keys', () => {
  const seen = warnings();

  it('are warned about once by name; with strict they do not vote', async () => {
    extra = await startRedis({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-ttl'] });
    seen.length = 0;
    const loose = redlock([extra.url]);
    const events = suspects(loose);
    const lock = await loose.tryAcquire('orders', { ttl: 5_000 });
    expect(lock).not.toBeNull(); // a warning only
    await waitFor(() => events.length > 0);
    expect(events[0]).toMatchObject({ server: extra.url, reason: 'eviction', voting: true });
    // (process warnings are emitted on the next tick)
    await waitFor(() => seen.some((w) => new RegExp(`${extra!.url}.*volatile-ttl.*noeviction`).test(w.message)));
    await lock!.release();
    await loose.tryAcquire('orders', { ttl: 5_000 }).then((l) => l?.release());
    expect(events).toHaveLength(1); // once

    const strict = redlock([extra.url], { strict: true });
    const first = await strict.tryAcquire('orders', { ttl: 5_000 }).catch((e: unknown) => e);
    // (INFO goes out before the first script on a connection: known before its answer.)
    expect(first).toBeInstanceOf(QuorumError);
    expect((first as QuorumError).outcomes[0]!.status).toBe('suspect');
  });

  it('a rise of evicted_keys is noticed', async () => {
    extra = await startRedis({ args: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-random'] });
    const r = redlock([extra.url]);
    const events = suspects(r);
    await (await r.tryAcquire('orders', { ttl: 60_000 }))!.release();
    const [c] = raw([extra.url]);
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) await c!.set(`cache:${i}`, big);
    expect(Number(/evicted_keys:(\d+)/.exec(await c!.info('stats'))![1])).toBeGreaterThan(0);
    // Noticed at the next look at INFO, within INFO_EVERY of use.
    await waitFor(
      async () => {
        await r.tryAcquire('orders', { ttl: 1_000 }).then((l) => l?.release());
        return events.some((e) => e.reason === 'evicted');
      },
      { timeout: 8_000, interval: 200 },
    );
  }, 15_000);
});

describe('servers whose clock runs at another rate', () => {
  warnings();

  it('stop counting as votes, with an event naming each; on one server, a warning only', async () => {
    set = await startRedisSet(3);
    // Our clock at a third of real time: every server's clock looks 3× fast.
    const slow = { now: () => performance.now() / 3 };
    const r = redlock(set.urls, { clock: slow });
    const events = suspects(r);
    const deadline = performance.now() + 5_000;
    let error: unknown;
    while (performance.now() < deadline && events.length < 3) {
      error = await r.tryAcquire('orders', { ttl: 60_000 }).then(
        (l) => l?.release(),
        (e: unknown) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(new Set(events.filter((e) => e.reason === 'clock').map((e) => e.server))).toEqual(new Set(set.urls));
    expect(events[0]!.message).toMatch(/clock ran/);
    expect(error).toBeInstanceOf(QuorumError);
    expect((error as QuorumError).outcomes.map((o) => o.status)).toContain('suspect');

    const one = redlock(set.urls.slice(0, 1), { clock: slow });
    const oneEvents = suspects(one);
    await waitFor(
      async () => {
        const lock = await one.tryAcquire('solo', { ttl: 60_000 });
        expect(lock).not.toBeNull(); // still granted: there is no other vote
        await lock!.release();
        return oneEvents.length > 0;
      },
      { timeout: 5_000, interval: 60 },
    );
    expect(oneEvents[0]).toMatchObject({ reason: 'clock', voting: true });
  });

  it('a server whose clock behaves is never suspect', async () => {
    set = await startRedisSet(3);
    const r = redlock(set.urls);
    const events = suspects(r);
    for (let i = 0; i < 20; i++) {
      const lock = await r.acquire('orders', { ttl: 5_000 });
      // Not a wait for nothing: 30 ms between two readings of each server's clock, to judge its rate over.
      await new Promise((resolve) => setTimeout(resolve, 30));
      await lock.extend();
      await lock.release();
    }
    expect(events).toEqual([]);
  });
});
