/**
 * Bad input throws a TypeError / RangeError naming the argument, before any network call.
 * The server's command statistics prove that nothing was sent.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosedError, Redlock } from '../../src/index.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { scriptCalls as countScripts } from '../helpers/stats.js';

let server: RedisProcess;
let admin: Redis;
let redlock: Redlock;

const scriptCalls = (): Promise<number> => countScripts(admin);

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
  redlock = new Redlock([server.url]);
});
afterAll(async () => {
  await redlock.close();
  admin.disconnect();
  await server.stop();
});

const badTtls: Array<[string, unknown, RegExp]> = [
  ['zero', 0, /options\.ttl/],
  ['too short to be valid', 2, /options\.ttl` to be an integer number of milliseconds from 10/],
  ['negative', -5, /options\.ttl/],
  ['NaN', NaN, /options\.ttl/],
  ['Infinity', Infinity, /options\.ttl/],
  ['fractional', 1.5, /options\.ttl/],
  ['absurdly large', 1e12, /options\.ttl/],
  ['a string', '1000', /options\.ttl/],
  ['missing', undefined, /ttl/],
];

describe('bad input', () => {
  it.each(badTtls)('ttl %s is rejected before any network call', async (_name, ttl, message) => {
    const before = await scriptCalls();
    await expect(redlock.tryAcquire('r', { ttl } as never)).rejects.toThrow(message);
    await expect(redlock.acquire('r', { ttl } as never)).rejects.toThrow(message);
    await expect(redlock.using('r', { ttl } as never, () => 1)).rejects.toThrow(message);
    expect(await scriptCalls()).toBe(before);
  });

  it('ttl errors are TypeError for the wrong type and RangeError for a wrong value', async () => {
    await expect(redlock.tryAcquire('r', { ttl: 'x' } as never)).rejects.toBeInstanceOf(TypeError);
    await expect(redlock.tryAcquire('r', { ttl: NaN })).rejects.toBeInstanceOf(TypeError);
    await expect(redlock.tryAcquire('r', { ttl: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(redlock.tryAcquire('r', { ttl: 2.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(redlock.tryAcquire('r', { ttl: 2 ** 31 })).rejects.toBeInstanceOf(RangeError);
    await expect(redlock.tryAcquire('r', { ttl: 2.5 })).rejects.toThrow(/got 2\.5/);
  });

  it.each([
    ['empty string', '', RangeError],
    ['a number', 42, TypeError],
    ['null', null, TypeError],
    ['an empty array', [], RangeError],
    ['an array with a non-string', ['a', 1], TypeError],
    ['duplicates', ['a', 'a'], RangeError],
  ] as const)('resource %s is rejected', async (_name, resource, type) => {
    const before = await scriptCalls();
    const error = await redlock.tryAcquire(resource as never, { ttl: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(/`resource`/);
    expect(await scriptCalls()).toBe(before);
  });

  it('negative wait, bad retry settings and unknown options are rejected by name', async () => {
    await expect(redlock.acquire('r', { ttl: 1_000, wait: -1 })).rejects.toThrow(/options\.wait/);
    await expect(redlock.acquire('r', { ttl: 1_000, retryDelay: -1 })).rejects.toThrow(/options\.retryDelay/);
    await expect(redlock.acquire('r', { ttl: 1_000, retryJitter: 0.5 })).rejects.toThrow(/options\.retryJitter/);
    await expect(redlock.acquire('r', { ttl: 1_000, signal: 'stop' } as never)).rejects.toThrow(/options\.signal/);
    await expect(redlock.acquire('r', { ttl: 1_000, tll: 5 } as never)).rejects.toThrow(/Unknown option `options\.tll`/);
    await expect(redlock.tryAcquire('r', { ttl: 1_000, wait: 5 } as never)).rejects.toThrow(/Unknown option `options\.wait`/);
    await expect(redlock.using('r', { ttl: 1_000, autoExtend: false } as never, () => 1)).rejects.toThrow(/options\.autoExtend/);
    await expect(redlock.using('r', { ttl: 1_000 }, 'not a function' as never)).rejects.toThrow(/routine/);
    await expect(redlock.inspect(['a', 'b'] as never)).rejects.toThrow(/resource/);
  });

  it('the constructor validates endpoints and options before connecting', () => {
    expect(() => new Redlock([])).toThrow(RangeError);
    expect(() => new Redlock('not a url')).toThrow(/endpoints\[0\]/);
    expect(() => new Redlock(['http://127.0.0.1:6379'])).toThrow(/redis:\/\//);
    expect(() => new Redlock(['redis://127.0.0.1:6379/x'])).toThrow(/database/);
    expect(() => new Redlock([42] as never)).toThrow(/endpoints\[0\]/);
    expect(() => new Redlock(['redis://a:1', 'redis://a:1'])).toThrow(/twice/);
    expect(() => new Redlock([{ url: 'redis://a:1', cluster: ['redis://b:1'] }])).toThrow(/exactly one/);
    expect(() => new Redlock([{ sentinels: [{ host: 'a', port: 1 }] }])).toThrow(/name/);
    expect(() => new Redlock([server.url], { driftFactor: 2 })).toThrow(/options\.driftFactor/);
    expect(() => new Redlock([server.url], { retryDelay: -1 })).toThrow(/options\.retryDelay/);
    expect(() => new Redlock([server.url], { commandTimeout: 0 })).toThrow(/options\.commandTimeout/);
    expect(() => new Redlock([server.url], { keyPrefix: 5 } as never)).toThrow(/options\.keyPrefix/);
    expect(() => new Redlock([server.url], { owner: '' })).toThrow(/options\.owner/);
    expect(() => new Redlock([server.url], { colour: 'red' } as never)).toThrow(/Unknown option `options\.colour`/);
    // A minimum above 1 ms is named.
    expect(() => new Redlock([server.url], { keeper: 'thread', maxStall: 100 })).toThrow(
      /`options\.maxStall` to be an integer number of milliseconds from 200 /,
    );
  });

  it('one endpoint object needs no array', async () => {
    const one = new Redlock({ url: server.url });
    try {
      expect(one.instances).toEqual([server.url]);
      const lock = await one.acquire('single', { ttl: 1_000 });
      expect(await lock.release()).toBe(true);
    } finally {
      await one.close();
    }
    expect(() => new Redlock({ url: server.url, colour: 'red' } as never)).toThrow(/Unknown option `endpoints\[0\]\.colour`/);
  });

  it('every lock-shaped primitive takes a ttl of at least 10 ms', async () => {
    const tooShort = /options\.ttl` to be an integer number of milliseconds from 10/;
    expect(() => redlock.semaphore('s', { permits: 2, ttl: 5 })).toThrow(tooShort);
    expect(() => redlock.readWriteLock('rw', { ttl: 5 })).toThrow(tooShort);
    expect(() => redlock.schedule('j', { every: 1_000, ttl: 5 }, () => undefined)).toThrow(tooShort);
    await expect(redlock.once('o', () => undefined, { ttl: 5 })).rejects.toThrow(tooShort);
  });

  it('a count of the wrong type is a TypeError, a wrong value a RangeError', async () => {
    const before = await scriptCalls();
    const counter = redlock.windowCounter('hits', { window: 1_000 });
    await expect(counter.add('1' as never)).rejects.toThrow(TypeError);
    await expect(counter.add(0)).rejects.toThrow(RangeError);
    const semaphore = redlock.semaphore('pool', { permits: 3, ttl: 1_000 });
    await expect(semaphore.tryAcquire({ permits: '1' } as never)).rejects.toThrow(TypeError);
    await expect(semaphore.tryAcquire({ permits: 4 })).rejects.toThrow(RangeError);
    expect(await scriptCalls()).toBe(before);
  });

  it('a password never appears in labels or errors', () => {
    const r = new Redlock(['redis://:s3cret@127.0.0.1:1'], { commandTimeout: 50 });
    expect(r.instances[0]).not.toContain('s3cret');
    void r.close();
  });

  it('use after close rejects with ClosedError (ERR_TENURE_CLOSED), and close is idempotent', async () => {
    const r = new Redlock([server.url]);
    await r.close();
    await r.close();
    await expect(r.tryAcquire('r', { ttl: 1_000 })).rejects.toThrow(/closed/);
    await expect(r.acquire('r', { ttl: 1_000 })).rejects.toBeInstanceOf(ClosedError);
    await expect(r.inspect('r')).rejects.toMatchObject({ code: 'ERR_TENURE_CLOSED' });
    expect(() => r.election('e', { ttl: 10_000 })).toThrow(ClosedError);
  });

  it('lock.extend validates its ttl', async () => {
    const lock = (await redlock.tryAcquire('ext', { ttl: 5_000 }))!;
    await expect(lock.extend(-1)).rejects.toThrow(/ttl/);
    await expect(lock.extend(0.5)).rejects.toBeInstanceOf(RangeError);
    await lock.release();
  });
});
