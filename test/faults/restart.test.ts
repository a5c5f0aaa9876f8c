/**
 * Servers that restart without their data. Two of three restart empty while A holds a
 * lock: without `restartQuarantine` they vote for B at once and two clients hold the lock
 * (asserted, so that the hazard is shown to be real); with it they are kept out of the
 * quorum until they have been up for the quarantine, and A learns at its next extension that it lost.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { LockLostError, LockTimeoutError, lockKey, markerKey, type Redlock } from '../../src/index.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
afterEach(async () => {
  await set?.stop();
  set = undefined;
});

async function restartEmpty(s: RedisSet, which: number[]): Promise<void> {
  for (const i of which) {
    await s.servers[i]!.kill();
    await s.servers[i]!.restart();
  }
}

function pair(urls: string[], options: { restartQuarantine?: number }): [Redlock, Redlock] {
  const keyPrefix = prefix();
  return [redlock(urls, { keyPrefix, commandTimeout: 300, ...options }), redlock(urls, { keyPrefix, commandTimeout: 300, ...options })];
}

describe('servers restarted empty', () => {
  it('without restartQuarantine: two of three restart empty and a second client gets the lock A still holds', async () => {
    set = await startRedisSet(3);
    const [a, b] = pair(set.urls, {});
    const lockA = await a.acquire('payments', { ttl: 30_000 });
    // A holds all three (a late third answer settled; no coverage retry is left to re-take a
    // restarted server, and A does not auto-extend): then two restart empty.
    const servers = raw(set.urls);
    await waitFor(async () =>
      (await Promise.all(servers.map((c) => c.get(lockKey(a.options.keyPrefix, 'payments'))))).every((v) => v === lockA.value),
    );
    await restartEmpty(set, [0, 1]);
    // (acquire retries while B's connections to the restarted servers come back)
    const lockB = await b.acquire('payments', { ttl: 30_000, wait: 5_000 });
    expect(lockB.isHeld).toBe(true);
    expect(lockA.isHeld).toBe(true); // both believe they hold it: the hazard is real
  });

  it('with restartQuarantine: restarted servers do not vote until the quarantine passed; the holder learns it lost', async () => {
    set = await startRedisSet(3);
    const quarantine = 1_500;
    const [a, b] = pair(set.urls, { restartQuarantine: quarantine });
    // Freshly started servers are in quarantine too: the first lock waits it out.
    // (Not null — nobody holds it — but too few servers may vote.)
    await expect(a.tryAcquire('payments', { ttl: quarantine })).rejects.toThrow(/could not reach a quorum .*[23] in restart quarantine/);
    const attempt = await a.tryLock('payments', { ttl: quarantine });
    expect(attempt.status).toBe('no-quorum');
    expect(attempt.outcomes.map((o) => o.status)).toContain('quarantined');
    const lockA = await a.acquire('payments', { ttl: quarantine, wait: 3 * quarantine });

    const restarted = performance.now();
    await restartEmpty(set, [0, 1]);
    // One attempt, once B's connections to the restarted servers are back: refused.
    type Refusal = { outcomes: { status: string; remaining?: number }[] };
    const refusal = await waitFor(() =>
      b.acquire('payments', { ttl: quarantine, wait: 0 }).then(
        () => 'acquired' as const,
        (e: unknown) => ((e as Refusal).outcomes.some((o) => o.status === 'error') ? undefined : (e as Refusal)),
      ),
    );
    expect(refusal).not.toBe('acquired');
    const outcomes = (refusal as Refusal).outcomes;
    // Two refusals decide the attempt, so the third answer may still be pending.
    const [r0, r1, r2] = outcomes.map((o) => o.status);
    expect(['quarantined', 'pending']).toContain(r0);
    expect(['quarantined', 'pending']).toContain(r1);
    // (A's lock may be missing there: the servers started moments apart, so A may have been
    // granted the lock by the first two to come out of quarantine.)
    expect(['held', 'acquired', 'pending']).toContain(r2);
    const quarantined = outcomes.filter((o) => o.status === 'quarantined');
    expect(quarantined.length).toBeGreaterThanOrEqual(1);
    for (const o of quarantined) expect(o.remaining).toBeGreaterThan(0);

    // A's next extension finds its lock gone on a quorum: it lost it, and says so.
    // (A's own connections to the restarted servers may still be coming back: QuorumError
    // until they are.)
    const lost = await waitFor(() =>
      lockA.extend().then(
        () => 'extended',
        (e: unknown) => (e instanceof LockLostError ? e : undefined),
      ),
    );
    expect(lost).toBeInstanceOf(LockLostError);
    // Once the quarantine has passed, the restarted servers vote again.
    const lockB = await b.acquire('payments', { ttl: quarantine, wait: 3 * quarantine });
    expect(performance.now() - restarted).toBeGreaterThanOrEqual(quarantine - 50);
    expect(lockB.isHeld).toBe(true);
    await expect(lockB.extend(quarantine + 1)).rejects.toThrow(/restartQuarantine/); // no lease past the quarantine
    // Servers up for longer than the quarantine vote at once.
    await lockB.release();
    expect(await a.tryAcquire('payments', { ttl: 1_000 })).not.toBeNull();
  });

  it('restartQuarantine is validated before any network call, and a ttl above it is refused', async () => {
    expect(() => redlock(['redis://127.0.0.1:1'], { restartQuarantine: -5 })).toThrow(/options\.restartQuarantine/);
    expect(() => redlock(['redis://127.0.0.1:1'], { restartQuarantine: 1.5 })).toThrow(RangeError);
    const r = redlock(['redis://127.0.0.1:1'], { restartQuarantine: 10_000 });
    await expect(r.acquire('x', { ttl: 20_000 })).rejects.toThrow(/restartQuarantine/);
    expect(() => r.election('x', { ttl: 20_000 })).toThrow(/restartQuarantine/);
    // Job defaults (30 s leases) above it, and an extension past it, are refused too.
    expect(() => r.schedule('x', { every: 60_000 }, () => undefined)).toThrow(/restartQuarantine/);
    await expect(r.once('x', () => undefined)).rejects.toThrow(/restartQuarantine/);
    await expect(r.semaphore('s', { permits: 1, ttl: 20_000 }).tryAcquire()).rejects.toThrow(/restartQuarantine/);
  });
});

describe('waiting out a quarantine', () => {
  it('a waiter polls at its retry delay while servers are in quarantine, not at split-vote speed', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix, restartQuarantine: 5_000 });
    await r.markFresh();
    // Two servers lost their data (their marker is gone): they do not vote for 5 s; one does.
    await Promise.all(
      raw(urls)
        .slice(1)
        .map((c) => c.del(markerKey(keyPrefix))),
    );
    const error = await r.acquire('q', { ttl: 1_000, wait: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    // retryDelay 100 ms + jitter 50 over 1 s: about 8 attempts (split-vote re-rolls made about 30)
    expect((error as LockTimeoutError).attempts).toBeLessThanOrEqual(14);
  });
});
