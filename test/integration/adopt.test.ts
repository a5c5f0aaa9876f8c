/**
 * Hand-over by value: lock.handle and redlock.adopt(resource, handle), on 1 and 3 servers —
 * the adopted Lock extends and releases, and only while the value still holds the lock —
 * and `tenure run` passes the handle to its command (TENURE_LOCK_HANDLE).
 */
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, lockKey } from '../../src/index.js';
import { distEntry } from '../helpers/build.js';
import { tenure } from '../helpers/cli.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

describe.each([
  ['1 server', 'redis1'],
  ['3 servers', 'redis3'],
] as const)('adopt on %s', (_, set) => {
  const urls = inject(set);

  it('a Lock adopted from a handle extends and releases the lock another Redlock took', async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const lock = await a.acquire('job', { ttl: 2_000, fence: true });
    const clients = raw(urls);
    // (the acquisition settles at a quorum: the last server's yes may land after the adoption's renewal there)
    await waitFor(async () => (await Promise.all(clients.map((c) => c.get(lockKey(keyPrefix, 'job'))))).every((v) => v === lock.value));
    const adopted = await b.adopt('job', lock.handle);
    expect(adopted.value).toBe(lock.value);
    expect(adopted.fencingToken).toBe(lock.fencingToken);
    expect(adopted.outcomes.filter((o) => o.status === 'extended').length).toBeGreaterThanOrEqual(b.quorum);
    await adopted.extend(30_000);
    // (the extend settles at a quorum; the last server's answer may come just after)
    await waitFor(async () => (await Promise.all(clients.map((c) => c.pttl(lockKey(keyPrefix, 'job'))))).every((p) => p > 20_000));
    expect(await adopted.release()).toBe(true);
    expect(await lock.release()).toBe(false);
  });

  it('checks the ttl a handle carries as an acquire would, before any network call', async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const lock = await a.acquire('edited', { ttl: 5_000 });
    // A handle comes from outside (an environment variable): one edited to another ttl.
    const edit = (t: number): string => {
      const body = JSON.parse(Buffer.from(lock.handle.slice('tenure1.'.length), 'base64url').toString('utf8')) as object;
      return 'tenure1.' + Buffer.from(JSON.stringify({ ...body, t }), 'utf8').toString('base64url');
    };
    for (const t of [2 ** 40, 1e300, 5])
      await expect(a.adopt('edited', edit(t))).rejects.toThrow(/`handle` to be a lock handle.*no valid ttl/);
    const guarded = redlock(urls, { keyPrefix, restartQuarantine: 60_000 });
    await expect(guarded.adopt('edited', edit(120_000))).rejects.toThrow(/handle ttl.*restartQuarantine/);
    const pttls = await Promise.all(raw(urls).map((c) => c.pttl(lockKey(keyPrefix, 'edited'))));
    for (const p of pttls) expect(p).toBeLessThanOrEqual(5_000); // nothing renewed it
    await lock.release();
  });

  it('refuses a handle whose value no longer holds the lock, and sets nothing again', async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const lock = await a.acquire('gone', { ttl: 5_000 });
    const handle = lock.handle;
    await lock.release();
    await expect(a.adopt('gone', handle)).rejects.toBeInstanceOf(LockLostError);
    const exists = await Promise.all(raw(urls).map((c) => c.exists(lockKey(keyPrefix, 'gone'))));
    expect(exists.every((n) => n === 0)).toBe(true);
    const other = await a.acquire('gone', { ttl: 5_000 }); // taken by another value meanwhile
    await expect(a.adopt('gone', handle)).rejects.toBeInstanceOf(LockLostError);
    expect(other.isHeld).toBe(true);
  });

  it("adopts a read-write lock's side by the lock's name, and a semaphore's permit by the semaphore's", async () => {
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const b = redlock(urls, { keyPrefix });
    const writer = await a.readWriteLock('doc', { ttl: 5_000 }).write.acquire();
    const adopted = await b.adopt('doc', writer.handle);
    expect(adopted.kind).toBe('write');
    expect(await adopted.release()).toBe(true);
    expect(await b.readWriteLock('doc', { ttl: 5_000 }).read.tryAcquire()).not.toBeNull();
    const permit = (await a.semaphore('pool', { permits: 2, ttl: 5_000 }).tryAcquire())!;
    const p = await b.adopt('pool', permit.handle);
    expect(await p.release()).toBe(true);
  });

  it('rejects a bad handle and a handle of another resource before any network call', async () => {
    const a = redlock(urls);
    const lock = await a.acquire('one', { ttl: 5_000 });
    await expect(a.adopt('two', lock.handle)).rejects.toThrow(/`handle` to be a handle of "two"/);
    await expect(a.adopt('one', 'nonsense')).rejects.toThrow(TypeError);
    await expect(a.adopt('one', 42 as unknown as string)).rejects.toThrow(/`handle`/);
    await expect(a.adopt('one', lock.handle, { bogus: 1 } as object)).rejects.toThrow(/Unknown option/);
  });
});

describe('tenure run and the handle', () => {
  it('passes TENURE_LOCK_HANDLE: the command adopts and extends its own lock with the library', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const fixture = join(import.meta.dirname, '..', 'cli', 'fixtures', 'adopt-handle.mjs');
    const e = await tenure([
      'run',
      'job',
      '--redis',
      urls.join(','),
      '--prefix',
      keyPrefix,
      '--ttl',
      '10',
      '--',
      process.execPath,
      fixture,
      distEntry,
      urls.join(','),
      keyPrefix,
    ]);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    const seen = JSON.parse(e.stdout.trim()) as { value: string; remaining: number };
    expect(seen.remaining).toBeGreaterThan(30_000); // the command extended it past tenure's own ttl
    expect((await redlock(urls, { keyPrefix }).inspect('job')).held).toBe(false); // released on exit
  });

  it('a command that releases its own lock through the handle ends with its own status, not 76', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const fixture = join(import.meta.dirname, '..', 'cli', 'fixtures', 'release-handle.mjs');
    const args = ['run', 'job', '--redis', urls.join(','), '--prefix', keyPrefix, '--ttl', '10', '--'];
    const e = await tenure([...args, process.execPath, fixture, distEntry, urls.join(','), keyPrefix]);
    expect(e.stderr).toBe('');
    expect(JSON.parse(e.stdout.trim())).toEqual({ released: true });
    expect(e.code).toBe(0);
  });
});
