/**
 * redlock.readWriteLock across separate processes (test/faults/fixtures/rw-worker.mjs), on 1
 * and 3 servers: readers share, a writer excludes readers and writers, a writer is not
 * starved by a steady stream of readers, a killed reader or writer frees its share at its
 * ttl, and with one server of three down everything still holds.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { rwWorkers } from '../helpers/rw-worker.js';
import { prefix } from '../helpers/tenure.js';

let own: RedisSet | undefined;
afterEach(async () => {
  await own?.stop();
  own = undefined;
});

describe.each([
  ['1 server', 'redis1'],
  ['3 servers', 'redis3'],
] as const)('read-write lock in separate processes on %s', (_, set) => {
  const urls = inject(set);

  it('readers share; a writer excludes readers and other writers', async () => {
    const [r1, r2, r3, w1, w2] = await rwWorkers(5, urls, prefix(), 'doc');
    const reads = await Promise.all([r1!, r2!, r3!].map((r) => r.take('read', 'try')));
    expect(reads.map((r) => r.held)).toEqual([true, true, true]);
    expect((await w1!.take('write', 'try')).held).toBe(false);
    await Promise.all([r1!, r2!, r3!].map((r, i) => r.call({ op: 'release', n: reads[i]!.n })));
    const write = await w1!.take('write', 'try', { fence: true });
    expect(write.held).toBe(true);
    expect(BigInt(write.token!)).toBeGreaterThan(0n);
    expect((await r1!.take('read', 'try')).held).toBe(false);
    expect((await w2!.take('write', 'try')).held).toBe(false);
    expect((await w1!.call({ op: 'release', n: write.n })).released).toBe(true);
    expect((await r1!.take('read', 'try')).held).toBe(true);
  });

  it('a waiting writer is not starved by a steady stream of readers, and no reader overlaps it', async () => {
    const workers = await rwWorkers(4, urls, prefix(), 'feed');
    const readers = workers.slice(0, 3);
    const writer = workers[3]!;
    // Three readers each re-enter as soon as they leave: some reader is always in.
    for (const [i, r] of readers.entries()) {
      await r.call({ op: 'loop', side: 'read', hold: 80 + 20 * i });
    }
    const w = await writer.take('write', 'acquire', { wait: 15_000 });
    expect(w.held).toBe(true);
    const end = Date.now();
    await writer.call({ op: 'release', n: w.n });
    const intervals = (await Promise.all(readers.map((r) => r.call({ op: 'stop' })))).flatMap((r) => r.intervals!);
    const overlapping = intervals.filter(([s, e]) => s < end && e > w.at!);
    expect(overlapping).toEqual([]);
    expect(intervals.some(([s]) => s < w.at!)).toBe(true); // readers were in before it
    expect(intervals.some(([s]) => s >= end)).toBe(true); // and came back after
  });

  it("a killed reader's share frees at its ttl; a writer then gets the lock", async () => {
    const [reader, other, writer] = await rwWorkers(3, urls, prefix(), 'killed-reader');
    expect((await reader!.take('read', 'acquire', { ttl: 1_000, autoExtend: true })).held).toBe(true);
    const stays = await other!.take('read', 'acquire', { ttl: 20_000, autoExtend: true });
    expect((await writer!.take('write', 'try')).held).toBe(false);
    await reader!.kill();
    await other!.call({ op: 'release', n: stays.n });
    const w = await writer!.take('write', 'acquire', { wait: 10_000 });
    expect(w.held).toBe(true);
  });

  it("a killed writer's lock frees at its ttl; readers then get in", async () => {
    const [writer, r1, r2] = await rwWorkers(3, urls, prefix(), 'killed-writer');
    expect((await writer!.take('write', 'acquire', { ttl: 1_000, autoExtend: true })).held).toBe(true);
    expect((await r1!.take('read', 'try')).held).toBe(false);
    await writer!.kill();
    const reads = await Promise.all([r1!, r2!].map((r) => r.take('read', 'acquire', { wait: 10_000 })));
    expect(reads.map((r) => r.held)).toEqual([true, true]);
  });
});

describe('read-write lock in separate processes with one server of three down', () => {
  it('readers share, a writer excludes them, and a waiting writer gets in', async () => {
    own = await startRedisSet(3);
    await own.servers[1]!.kill();
    const [r1, r2, w1] = await rwWorkers(3, own.urls, prefix(), 'degraded');
    const reads = await Promise.all([r1!, r2!].map((r) => r.take('read', 'try')));
    expect(reads.map((r) => r.held)).toEqual([true, true]);
    expect((await w1!.take('write', 'try')).held).toBe(false);
    const waiting = w1!.take('write', 'acquire', { wait: 10_000 });
    await Promise.all([r1!, r2!].map((r, i) => r.call({ op: 'release', n: reads[i]!.n })));
    const w = await waiting;
    expect(w.held).toBe(true);
    expect((await r1!.take('read', 'try')).held).toBe(false);
    expect((await w1!.call({ op: 'release', n: w.n })).released).toBe(true);
    expect((await r2!.take('read', 'try')).held).toBe(true);
  });
});
