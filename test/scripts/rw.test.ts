/** rw-acquire.lua, rw-extend.lua and rw-release.lua against a real server. */
import { describe, expect, inject, it } from 'vitest';
import { lockKey } from '../../src/index.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

type Reply = [number, number | string, number, string?];

function setup(): {
  c: import('ioredis').Redis;
  keys: string[];
  take: (side: string, value: string, waiter?: string, fence?: boolean) => Promise<Reply>;
} {
  const [c] = raw(inject('redis1'));
  const w = lockKey(prefix(), 'rwlock:x');
  const keys = [w, `${w}:readers`, `${w}:waiting`, `${w}:fence`];
  const take = async (side: string, value: string, waiter = '', fence = false): Promise<Reply> => {
    const k = fence ? keys : keys.slice(0, 3);
    return (await c!.eval(
      lua.rwAcquire.script.source,
      k.length,
      ...k,
      value,
      5_000,
      fence ? '1' : '0',
      0,
      '0',
      side,
      waiter,
      10_000,
    )) as Reply;
  };
  return { c: c!, keys, take };
}

describe('rw-acquire.lua', () => {
  it('readers share; a writer is refused while a reader is in, and marks itself waiting', async () => {
    const { c, keys, take } = setup();
    expect((await take('read', 'r1'))[0]).toBe(1);
    expect((await take('read', 'r2'))[0]).toBe(1);
    expect(await c.zcard(keys[1]!)).toBe(2);
    const refused = await take('write', 'w1', 'wait1');
    expect(refused[0]).toBe(0);
    expect(refused[1]).toBeGreaterThan(4_000); // the last reader frees in about 5 s
    expect(await c.zscore(keys[2]!, 'wait1')).not.toBeNull();
    // The waiting mark turns new readers away.
    expect((await take('read', 'r3'))[0]).toBe(0);
    // A tryAcquire writer (no waiting id) leaves no mark.
    await c.del(keys[2]!);
    expect((await take('write', 'w2'))[0]).toBe(0);
    expect(await c.exists(keys[2]!)).toBe(0);
  });

  it('a writer excludes readers and writers; taking the lock takes its own mark away; tokens for writers', async () => {
    const { c, keys, take } = setup();
    await c.zadd(keys[2]!, Date.now() + 10_000, 'wait1', Date.now() + 10_000, 'other');
    const won = await take('write', 'w1', 'wait1', true);
    expect(won[0]).toBe(1);
    expect(BigInt(won[1] as string)).toBeGreaterThan(0n);
    expect(await c.get(keys[0]!)).toBe('w1');
    expect(await c.zscore(keys[2]!, 'wait1')).toBeNull();
    expect(await c.zscore(keys[2]!, 'other')).not.toBeNull();
    expect((await take('read', 'r1'))[0]).toBe(0);
    expect((await take('write', 'w2'))[0]).toBe(0);
  });

  it("an expired reader's share and an expired waiting mark are purged", async () => {
    const { c, keys, take } = setup();
    const [sec] = await c.time();
    await c.zadd(keys[1]!, Number(sec) * 1000 - 10, 'dead-reader');
    await c.zadd(keys[2]!, Number(sec) * 1000 - 10, 'dead-waiter');
    expect((await take('read', 'r1'))[0]).toBe(1);
    expect(await c.zrange(keys[1]!, 0, -1)).toEqual(['r1']);
    expect((await take('write', 'w1'))[0]).toBe(0); // r1 is alive
    await c.zrem(keys[1]!, 'r1');
    expect((await take('write', 'w1'))[0]).toBe(1);
  });

  it('a reader share expires by itself (the sorted set lives as long as its last member)', async () => {
    const { c, keys } = setup();
    await c.eval(lua.rwAcquire.script.source, 3, ...keys.slice(0, 3), 'r1', 300, '0', 0, '0', 'read', '', 0);
    const pttl = await c.pttl(keys[1]!);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300);
  });
});

describe('rw-extend.lua', () => {
  const ext = (c: import('ioredis').Redis, keys: string[], value: string, side: string, renewOnly = '0'): Promise<unknown> =>
    c.eval(lua.rwExtend.script.source, 2, keys[0]!, keys[1]!, value, 5_000, side, renewOnly);

  it('renews a share, re-takes a lost one only where the other side is absent, never in renew-only mode', async () => {
    const { c, keys, take } = setup();
    await take('read', 'r1');
    expect(((await ext(c, keys, 'r1', 'read')) as number[])[0]).toBe(1);
    expect(((await ext(c, keys, 'r2', 'read', '1')) as number[])[0]).toBe(0); // renew only: not there
    expect(((await ext(c, keys, 'r2', 'read')) as number[])[0]).toBe(3); // re-taken beside a reader
    expect(((await ext(c, keys, 'w1', 'write')) as number[])[0]).toBe(0); // never beside readers
    await c.del(keys[1]!);
    expect(((await ext(c, keys, 'w1', 'write', '1')) as number[])[0]).toBe(0);
    expect(((await ext(c, keys, 'w1', 'write')) as number[])[0]).toBe(3);
    expect(((await ext(c, keys, 'w1', 'write')) as number[])[0]).toBe(1);
    expect(((await ext(c, keys, 'r3', 'read')) as number[])[0]).toBe(0); // never beside a writer
  });
});

describe('rw-release.lua', () => {
  it('takes the value out of either side or the waiting marks, and publishes only when something went', async () => {
    const { c, keys, take } = setup();
    const [sub] = raw(inject('redis1'));
    const messages: string[] = [];
    sub!.on('message', (_ch: string, m: string) => messages.push(m));
    await sub!.subscribe(`${keys[0]!}:released`);
    const rel = (v: string): Promise<unknown> => c.eval(lua.rwRelease.script.source, 3, ...keys.slice(0, 3), v, ':released', 'PUBLISH');
    await take('read', 'reader-1');
    await c.zadd(keys[2]!, Date.now() + 10_000, 'waiter-1');
    expect(await rel('reader-1')).toBe(1);
    expect(await rel('nobody')).toBe(0);
    expect(await rel('waiter-1')).toBe(0); // a mark is not a share, but its going wakes readers
    await take('write', 'writer-1');
    expect(await rel('writer-1')).toBe(1);
    await waitFor(() => messages.length >= 3);
    expect(messages).toEqual(['reader-1', 'waiter-1', 'writer-1']);
  });
});
