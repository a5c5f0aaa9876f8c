/**
 * redlock.semaphore(name, { permits, ttl }): never more than `permits` holders, across
 * separate Redlocks (as separate processes would have), on 1 and 3 instances; waiting,
 * hand-off by release, lost permits, and input checks.
 */
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, LockTimeoutError, type Redlock } from '../../src/index.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function fleet(urls: string[], n: number, keyPrefix = prefix()): Redlock[] {
  return Array.from({ length: n }, () => redlock(urls, { keyPrefix, retryDelay: 20, retryJitter: 10 }));
}

describe.each([
  ['1 instance', 'redis1'],
  ['3 instances', 'redis3'],
] as const)('semaphore on %s', (_, set) => {
  const urls = inject(set);

  it('never admits more than `permits` holders, and does admit that many at once', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      fleet(urls, 8).map(async (r) => {
        const sem = r.semaphore('pool', { permits: 3, ttl: 5_000 });
        for (let i = 0; i < 8; i++) {
          await sem.using({ wait: 10_000 }, async () => {
            most = Math.max(most, ++inside);
            await delay(5);
            inside--;
          });
        }
      }),
    );
    expect(most).toBe(3);
  });

  it('tryAcquire gives null when every permit is held; a release hands a permit to a waiter at once', async () => {
    const [a, b] = fleet(urls, 2);
    const semA = a!.semaphore('gate', { permits: 2, ttl: 10_000 });
    const semB = b!.semaphore('gate', { permits: 2, ttl: 10_000 });
    const p1 = await semA.tryAcquire();
    const p2 = await semA.tryAcquire();
    expect(p1).not.toBeNull();
    expect(p2).not.toBeNull();
    expect(p1!.resources[0]).not.toBe(p2!.resources[0]); // two different slots
    expect(await semB.tryAcquire()).toBeNull();
    await expect(semB.acquire({ wait: 50 })).rejects.toBeInstanceOf(LockTimeoutError);
    // A waiter with a 5 s retry delay still gets the permit right after the release.
    const waiting = b!.semaphore('gate', { permits: 2, ttl: 10_000 }).acquire({ wait: 5_000, retryDelay: 5_000 });
    const releasedAt = performance.now();
    expect(await p1!.release()).toBe(true);
    const p3 = await waiting;
    expect(performance.now() - releasedAt).toBeLessThan(1_000);
    expect(p3.isHeld).toBe(true);
  });

  it('a permit is a Lock: it can be lost (signal, LockLostError) and fenced', async () => {
    const keyPrefix = prefix();
    const [r] = fleet(urls, 1, keyPrefix);
    const sem = r!.semaphore('fenced', { permits: 1, ttl: 300 });
    const permit = await sem.acquire({ fence: true, autoExtend: true });
    expect(typeof permit.fencingToken).toBe('bigint');
    const clients = raw(urls);
    const key = `${keyPrefix}{${permit.resources[0]}}`;
    await waitFor(async () => (await Promise.all(clients.map((c) => c.exists(key)))).every((n) => n === 1));
    await Promise.all(clients.map((c) => c.del(key)));
    await waitFor(() => permit.signal.aborted, { timeout: 2_000 });
    expect(permit.signal.reason).toBeInstanceOf(LockLostError);
  });
});

describe('semaphore input', () => {
  it('rejects bad names and options before any network call', async () => {
    const r = redlock(inject('redis1'));
    expect(() => r.semaphore('', { permits: 1, ttl: 1_000 })).toThrow(/`name`/);
    expect(() => r.semaphore('s', { permits: 0, ttl: 1_000 })).toThrow(/options\.permits/);
    expect(() => r.semaphore('s', { permits: 1.5, ttl: 1_000 })).toThrow(TypeError);
    expect(() => r.semaphore('s', { permits: 2 } as { permits: number; ttl: number })).toThrow(/ttl/);
    const sem = r.semaphore('s', { permits: 2, ttl: 1_000 });
    await expect(sem.acquire({ wait: -1 })).rejects.toThrow(/options\.wait/);
    await expect(sem.tryAcquire({ bogus: true } as object)).rejects.toThrow(/Unknown option/);
    await expect(sem.using(undefined, 'x' as unknown as () => void)).rejects.toThrow(/`routine`/);
  });
});
