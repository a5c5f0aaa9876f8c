/**
 * restartQuarantine covers every way a server loses its data, not only a restart: each
 * server carries a marker key (no expiry) that the acquire script reads in the same round
 * trip. A flush, an evicted marker or an empty restart holds the server out until the
 * quarantine has passed; `markFresh()` declares a fresh start so nobody waits it out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LockTimeoutError, markerKey, type InstanceOutcome } from '../../src/index.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
afterEach(async () => {
  await set?.stop();
  set = undefined;
});

const QUARANTINE = 1_500;

/** The outcomes of one refused attempt (acquire with wait 0). */
async function refusal(r: ReturnType<typeof redlock>, resource: string): Promise<readonly InstanceOutcome[]> {
  const error = await r.acquire(resource, { ttl: QUARANTINE, wait: 0 }).then(
    (lock) => lock,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockTimeoutError);
  return (error as LockTimeoutError).outcomes;
}

describe('data loss without a restart', () => {
  it('a flushed server does not vote until the quarantine has passed; markFresh lets new servers vote at once', async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const a = redlock(set.urls, { keyPrefix, restartQuarantine: QUARANTINE });
    // New servers have no marker: quarantined, unless declared fresh.
    expect((await refusal(a, 'payments')).filter((o) => o.status === 'quarantined').length).toBeGreaterThanOrEqual(2);
    expect(await a.markFresh()).toEqual(set.urls);
    const first = await a.acquire('payments', { ttl: QUARANTINE, wait: 0 });
    await first.release();

    const [s0, s1] = raw(set.urls);
    // Up for longer than the quarantine (whole seconds, counted one short): only the marker can tell that data was lost.
    await waitFor(async () => (Number(/uptime_in_seconds:(\d+)/.exec(await s0!.info('server'))![1]) - 1) * 1000 >= QUARANTINE, {
      timeout: 5_000,
    });
    await s0!.flushall();
    await s1!.flushall();
    const flushed = performance.now();
    const outcomes = await refusal(a, 'payments');
    expect(outcomes[0]!.status).toBe('quarantined');
    expect(outcomes[1]!.status).toBe('quarantined');
    expect(outcomes[0]!.remaining).toBeGreaterThan(QUARANTINE - 500);

    const lock = await a.acquire('payments', { ttl: QUARANTINE, wait: 3 * QUARANTINE });
    expect(performance.now() - flushed).toBeGreaterThanOrEqual(QUARANTINE - 50);
    expect(lock.isHeld).toBe(true);
  });

  it('a server whose marker was evicted (or deleted) is held out too', async () => {
    set = await startRedisSet(3);
    const keyPrefix = prefix();
    const a = redlock(set.urls, { keyPrefix, restartQuarantine: QUARANTINE });
    await a.markFresh();
    const [s0] = raw(set.urls);
    expect(await s0!.exists(markerKey(keyPrefix))).toBe(1);
    await s0!.del(markerKey(keyPrefix));
    const lock = await a.acquire('payments', { ttl: QUARANTINE, wait: 0 });
    expect(lock.isHeld).toBe(true);
    // The marker was written again, young: the server votes no sooner than a quarantine from now.
    const outcomes = await refusal(redlock(set.urls.slice(0, 1), { keyPrefix, restartQuarantine: QUARANTINE }), 'other');
    expect(outcomes[0]!.status).toBe('quarantined');
  });

  it('one server restarted empty while held: a second client is refused until the quarantine has passed', async () => {
    set = await startRedisSet(1);
    const keyPrefix = prefix();
    const a = redlock(set.urls, { keyPrefix, restartQuarantine: QUARANTINE });
    const b = redlock(set.urls, { keyPrefix, restartQuarantine: QUARANTINE, commandTimeout: 300 });
    await a.markFresh();
    const lock = await a.acquire('payments', { ttl: QUARANTINE, wait: 0 });
    await set.servers[0]!.kill();
    await set.servers[0]!.restart();
    const restarted = performance.now();
    const outcome = await waitFor(async () => {
      const o = await refusal(b, 'payments').catch(() => undefined);
      return o?.[0]?.status === 'quarantined' ? o : undefined;
    });
    expect(outcome[0]!.status).toBe('quarantined');
    const lockB = await b.acquire('payments', { ttl: QUARANTINE, wait: 3 * QUARANTINE });
    expect(performance.now() - restarted).toBeGreaterThanOrEqual(QUARANTINE - 50);
    expect(lockB.isHeld).toBe(true);
    expect(lock.remaining()).toBe(0); // (A's lease ran out before B got in)
  });

  it('a foreign value in the marker key is an error, not a vote', async () => {
    set = await startRedisSet(1);
    const keyPrefix = prefix();
    const a = redlock(set.urls, { keyPrefix, restartQuarantine: QUARANTINE });
    const [s0] = raw(set.urls);
    await s0!.set(markerKey(keyPrefix), 'not-a-marker');
    const error = await a.acquire('x', { ttl: 1_000, wait: 0 }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/marker/);
  });
});
