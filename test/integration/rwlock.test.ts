/**
 * redlock.readWriteLock in one process: the lock's shapes on both sides (`await using`,
 * using, tryLock), fencing for writers only, waiting writers stop new readers and take their
 * marks away when they give up, a lost reader share, and input checks.
 */
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, LockTimeoutError, lockKey } from '../../src/index.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

describe.each([
  ['1 server', 'redis1'],
  ['3 servers', 'redis3'],
] as const)('read-write lock on %s', (_, set) => {
  const urls = inject(set);

  it('each side gives a Lock that works with `await using`, using and tryLock', async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const rwA = a.readWriteLock('doc', { ttl: 5_000 });
    const rwB = b.readWriteLock('doc', { ttl: 5_000 });
    {
      await using reader = await rwA.read.acquire();
      expect(reader.kind).toBe('read');
      expect(reader.resources).toEqual(['rwlock:doc']);
      const attempt = await rwB.write.tryLock();
      expect(attempt.isAcquired).toBe(false);
      expect(attempt.status).toBe('conflicted');
      expect(attempt.summary.conflicted).toBeGreaterThanOrEqual(b.quorum);
      expect(await rwB.read.using({}, (l) => l.isHeld)).toBe(true);
    }
    const writer = await rwB.write.tryLock({ fence: true });
    expect(writer.isAcquired).toBe(true);
    expect(writer.lock!.kind).toBe('write');
    expect(typeof writer.lock!.fencingToken).toBe('bigint');
    expect(await rwA.read.tryAcquire()).toBeNull();
    expect(await writer.lock!.release()).toBe(true);
    const second = await rwA.write.acquire({ fence: true });
    expect(second.fencingToken!).toBeGreaterThan(writer.lock!.fencingToken!);
    await expect(rwA.read.tryAcquire({ fence: true })).rejects.toThrow(/options\.fence.*writers only/);
  });

  it('a waiting writer turns new readers away; when it gives up, they get in at once', async () => {
    const keyPrefix = prefix();
    const [a, b, c] = [0, 1, 2].map(() => redlock(urls, { keyPrefix, retryDelay: 20, retryJitter: 10 }));
    const reader = await a!.readWriteLock('q', { ttl: 5_000 }).read.acquire();
    const gaveUp = b!.readWriteLock('q', { ttl: 5_000 }).write.acquire({ wait: 400 });
    const rw = c!.readWriteLock('q', { ttl: 5_000 });
    await waitFor(async () => (await rw.read.tryAcquire()) === null, { message: 'the waiting writer never turned a reader away' });
    await expect(gaveUp).rejects.toBeInstanceOf(LockTimeoutError);
    // Its marks went with it: a reader enters without waiting for them to expire.
    const next = await rw.read.tryAcquire();
    expect(next).not.toBeNull();
    await Promise.all([reader.release(), next!.release()]);
  });

  it("a waiting writer is woken by the last reader's release, not by its retry delay", async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const reader = await a.readWriteLock('wake', { ttl: 10_000 }).read.acquire();
    const writing = b.readWriteLock('wake', { ttl: 10_000 }).write.acquire({ wait: 8_000, retryDelay: 5_000 });
    await waitFor(async () => (await raw(urls)[0]!.zcard(`${lockKey(keyPrefix, 'rwlock:wake')}:waiting`)) === 1);
    const at = performance.now();
    await reader.release();
    const writer = await writing;
    expect(performance.now() - at).toBeLessThan(2_000);
    expect(writer.isHeld).toBe(true);
  });

  it('a reader whose share is gone from every server is lost: signal, LockLostError', async () => {
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    const reader = await r.readWriteLock('lost', { ttl: 300 }).read.acquire({ autoExtend: true });
    const key = `${lockKey(keyPrefix, 'rwlock:lost')}:readers`;
    const clients = raw(urls);
    await Promise.all(clients.map((c) => c.zrem(key, reader.value)));
    // A writer takes it meanwhile; the reader's renewal then finds the other side: lost.
    const writer = await redlock(urls, { keyPrefix }).readWriteLock('lost', { ttl: 5_000 }).write.acquire({ wait: 2_000 });
    await waitFor(() => reader.signal.aborted, { timeout: 3_000 });
    expect(reader.signal.reason).toBeInstanceOf(LockLostError);
    expect(writer.isHeld).toBe(true);
  });
});

describe('read-write lock input', () => {
  it('rejects bad names and options before any network call; the namespace is reserved', async () => {
    const r = redlock(inject('redis1'));
    expect(() => r.readWriteLock('', { ttl: 1_000 })).toThrow(/`name`/);
    expect(() => r.readWriteLock('x', {} as { ttl: number })).toThrow(/options\.ttl/);
    expect(() => r.readWriteLock('x', { ttl: 1_000, permits: 2 } as { ttl: number })).toThrow(/Unknown option/);
    const rw = r.readWriteLock('x', { ttl: 1_000 });
    await expect(rw.write.acquire({ wait: -1 })).rejects.toThrow(/options\.wait/);
    await expect(rw.read.using(undefined, 'no' as unknown as () => void)).rejects.toThrow(/`routine`/);
    await expect(r.tryAcquire('rwlock:x', { ttl: 1_000 })).rejects.toThrow(/readWriteLock/);
  });
});
