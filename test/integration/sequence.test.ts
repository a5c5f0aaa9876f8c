/**
 * redlock.sequence(name).next(): unique and increasing, from one caller and from many
 * concurrent callers in separate Redlocks, on 1, 3 and 5 instances.
 */
import { describe, expect, inject, it } from 'vitest';
import { QuorumError } from '../../src/index.js';
import { startRedisSet } from '../helpers/redis-server.js';
import { defer, prefix, raw, redlock } from '../helpers/tenure.js';

describe.each([
  ['1 instance', 'redis1'],
  ['3 instances', 'redis3'],
  ['5 instances', 'redis5'],
] as const)('sequence on %s', (_, set) => {
  const urls = inject(set);

  it('one caller gets 1, 2, 3 ... in order', async () => {
    const seq = redlock(urls).sequence('invoices');
    const got: bigint[] = [];
    for (let i = 0; i < 20; i++) got.push(await seq.next());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
  });

  it('concurrent callers in separate Redlocks never get the same value, and each sees its values increase', async () => {
    const keyPrefix = prefix();
    const callers = Array.from({ length: 4 }, () => redlock(urls, { keyPrefix }).sequence('batch'));
    const perCaller = await Promise.all(
      callers.map(async (seq) => {
        const mine: bigint[] = [];
        for (let i = 0; i < 40; i++) mine.push(await seq.next());
        return mine;
      }),
    );
    for (const mine of perCaller) for (let i = 1; i < mine.length; i++) expect(mine[i]!).toBeGreaterThan(mine[i - 1]!);
    const all = perCaller.flat();
    expect(new Set(all.map(String)).size).toBe(all.length);
    // A value handed out after another call resolved is above it, even from a fresh object.
    const after = await redlock(urls, { keyPrefix }).sequence('batch').next();
    for (const v of all) expect(after).toBeGreaterThan(v);
  });

  it('callers in tight loops all get through: none starves behind the one that just got a value', async () => {
    const keyPrefix = prefix();
    const callers = Array.from({ length: 3 }, () => redlock(urls, { keyPrefix, wait: 2_000 }).sequence('tight'));
    let total = 0;
    const counts = await Promise.all(
      callers.map(async (seq) => {
        let mine = 0;
        while (total < 3_000) {
          await seq.next(); // (a QuorumError here — no value within the wait — fails the test)
          mine++;
          total++;
        }
        return mine;
      }),
    );
    for (const mine of counts) expect(mine).toBeGreaterThan(150); // an even share is 1,000
  });

  it('a fresh object with wait 0 still gets a value: its first refusal only taught it the counter', async () => {
    const keyPrefix = prefix();
    const seq = redlock(urls, { keyPrefix }).sequence('late');
    for (let i = 0; i < 5; i++) await seq.next();
    const fresh = redlock(urls, { keyPrefix, wait: 0 }).sequence('late');
    await expect(fresh.next()).resolves.toBe(6n);
  });

  it('a counter key of another type is an error, not a value', async () => {
    const keyPrefix = prefix();
    await Promise.all(raw(urls).map((c) => c.rpush(`${keyPrefix}{sequence:bad}`, 'x')));
    const error = await redlock(urls, { keyPrefix })
      .sequence('bad')
      .next()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(QuorumError);
    expect((error as QuorumError).outcomes.filter((o) => o.status === 'error').length).toBeGreaterThanOrEqual(
      Math.floor(urls.length / 2) + 1,
    );
  });
});

describe('sequence input', () => {
  it('rejects a bad name before any network call', () => {
    const r = redlock(inject('redis1'));
    expect(() => r.sequence('')).toThrow(RangeError);
    expect(() => r.sequence(1 as unknown as string)).toThrow(/`name`/);
  });
});

describe('sequence under faults', () => {
  it('goes on with one of three instances dead, still increasing; with two dead it fails with a QuorumError', async () => {
    const set = await startRedisSet(3);
    defer(() => set.stop());
    const keyPrefix = prefix();
    const seq = redlock(set.urls, { keyPrefix, commandTimeout: 300 }).sequence('ids');
    const before = await seq.next();
    await set.servers[0]!.kill();
    const during = await seq.next();
    expect(during).toBeGreaterThan(before);
    // A fresh caller learns the current value from the two that answer.
    expect(await redlock(set.urls, { keyPrefix, commandTimeout: 300 }).sequence('ids').next()).toBeGreaterThan(during);
    await set.servers[1]!.kill();
    const error = await seq.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuorumError);
    expect((error as QuorumError).outcomes.filter((o) => o.status === 'error')).toHaveLength(2);
  });
});
