/**
 * The uncontended attempt as a plain SET NX PX (lock/ops.ts attempt): an acquisition that
 * waits sends its first attempt as SET NX PX when there is nothing but the key to check, and
 * asks the script at once after a refusal — so a holder's ttl, a key of another type and a
 * waiter's place in line are as before. Counted on servers of this file's own.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, QuorumError, type Lock } from '../../src/index.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let servers: RedisProcess[] = [];
let urls: string[] = [];

beforeAll(async () => {
  servers = await Promise.all([startRedis(), startRedis(), startRedis()]);
  urls = servers.map((s) => s.url);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** Calls of each command on every server since the last reset. */
async function calls(clients: Redis[]): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const c of clients) {
    for (const m of (await c.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) {
      total[m[1]!] = (total[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return total;
}

async function reset(clients: Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.config('RESETSTAT')));
}

describe('an uncontended acquire', () => {
  it('takes the key with one SET NX PX per server and no script, and holds it for its ttl', async () => {
    const admin = raw(urls);
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    await (await r.acquire('warm', { ttl: 1_000 })).release(); // connects, loads the release script
    // (The release returns at a quorum: the last server's may come after the reset.)
    await waitFor(async () => (await Promise.all(admin.map((c) => c.exists(`${keyPrefix}{warm}`)))).every((e) => e === 0));
    await reset(admin);
    const locks: Lock[] = [];
    for (let i = 0; i < 5; i++) locks.push(await r.acquire(`k${i}`, { ttl: 30_000 }));
    for (let i = 0; i < 5; i++) {
      const key = `${keyPrefix}{k${i}}`;
      for (const c of admin) {
        // (Waited for: the acquire returned at a quorum; the last server's SET may be on its way.)
        await waitFor(async () => (await c.get(key)) === locks[i]!.value);
        expect(await c.pttl(key)).toBeGreaterThan(29_000);
      }
    }
    const n = await calls(admin);
    // One SET per attempt and server (commandstats counts a script's own SET too), and no
    // script — but for a clock sample (acquire.lua: its TIME, GET and SET; at most once in
    // 50 ms, which a loaded machine may reach once or twice here).
    expect(n['set']).toBe(15);
    expect(n['evalsha'] ?? 0).toBe(n['time'] ?? 0);
    expect(n['evalsha'] ?? 0).toBeLessThanOrEqual(6);
    for (const lock of locks) expect(await lock.release()).toBe(true);
    for (const c of admin) await waitFor(async () => (await c.exists(...locks.map((_, i) => `${keyPrefix}{k${i}}`))) === 0);
  });

  it('tryAcquire keeps the script: a key of another type is a QuorumError there, not "held"', async () => {
    const [a, b, c] = raw(urls);
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    for (const s of [a, b, c]) await s!.hset(`${keyPrefix}{wrong}`, 'f', 'v');
    await expect(r.tryAcquire('wrong', { ttl: 1_000 })).rejects.toBeInstanceOf(QuorumError);
  });
});

describe('after a refusal', () => {
  it('acquire asks the script at once: a key of another type is a QuorumError naming WRONGTYPE, not a timeout', async () => {
    const admin = raw(urls);
    const keyPrefix = prefix();
    const r = redlock(urls, { keyPrefix });
    for (const s of admin) await s.hset(`${keyPrefix}{wrong}`, 'f', 'v');
    const started = performance.now();
    const error = await r.acquire('wrong', { ttl: 1_000, wait: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuorumError);
    expect(String((error as Error).message)).toMatch(/WRONGTYPE/);
    expect(performance.now() - started).toBeLessThan(2_500); // not after the wait
  });

  it('a waiter takes a place in line and gets the lock at its release, on the script', async () => {
    const admin = raw(urls);
    const keyPrefix = prefix();
    const holder = redlock(urls, { keyPrefix });
    const lock = await holder.acquire('line', { ttl: 30_000 });
    // (It returns at a quorum: the last server's SET may land after the reset below, and be counted.)
    await waitFor(async () => (await Promise.all(admin.map((c) => c.get(`${keyPrefix}{line}`)))).every((v) => v === lock.value));
    // A clock at a thousandth of real time: one clock sample (the warm-up's), then none due.
    const waiter = redlock(urls, { keyPrefix, clock: { now: () => performance.now() / 1_000 } });
    await (await waiter.acquire('warm', { ttl: 1_000 })).release();
    await waitFor(async () => (await Promise.all(admin.map((c) => c.exists(`${keyPrefix}{warm}`)))).every((e) => e === 0));
    await reset(admin);
    let attempts = 0;
    waiter.on('contended', (e) => (attempts = e.attempt));
    const waiting = waiter.acquire('line', { ttl: 5_000, wait: 10_000, retryDelay: 10_000, retryJitter: 0 });
    const until = performance.now() + 5_000;
    while (attempts < 2 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(attempts).toBeGreaterThanOrEqual(2);
    // The first attempt: SET NX on each server, refused (the last may still be on its way).
    const n = await waitFor(async () => {
      const c = await calls(admin);
      return c['set'] === 3 ? c : undefined;
    });
    expect(n['zadd']).toBeGreaterThanOrEqual(2 * 2); // the second, by script: in line on a quorum at least
    const started = performance.now();
    expect(await lock.release()).toBe(true);
    const next = await waiting;
    expect(performance.now() - started).toBeLessThan(5_000); // handed on, not after the retry delay
    expect(next.isHeld).toBe(true);
    await next.release();
  });

  it('a refusal by a short-lived holder waits for its ttl, not the retry delay', async () => {
    const keyPrefix = prefix();
    const holder = redlock(urls, { keyPrefix });
    await holder.acquire('brief', { ttl: 400, autoExtend: false });
    const waiter = redlock(urls, { keyPrefix });
    // No release message will come (the holder lets it expire): the wait is the holder's ttl,
    // which only the script's refusal tells (SET NX says "held" and no more).
    const started = performance.now();
    const lock = await waiter.acquire('brief', { ttl: 1_000, wait: 8_000, retryDelay: 6_000, retryJitter: 0 });
    expect(lock.isHeld).toBe(true);
    expect(performance.now() - started).toBeLessThan(3_000);
    await expect(waiter.acquire('brief', { ttl: 1_000, wait: 50, retryDelay: 10 })).rejects.toBeInstanceOf(LockTimeoutError);
  });
});
