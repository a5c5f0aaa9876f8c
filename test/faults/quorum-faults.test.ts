/**
 * Faults on a quorum of three: dead, black-holed and restarted instances, and a killed
 * holder process. Each test starts its own servers (and proxies) and stops them.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, LockTimeoutError, QuorumError, Redlock } from '../../src/index.js';
import type { LuaScript } from '../../src/core/scripts.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { distEntry } from '../helpers/build.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { defer, prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet;
let proxies: TcpProxy[] = [];

async function threeBehindProxies(): Promise<string[]> {
  set = await startRedisSet(3);
  proxies = await Promise.all(set.servers.map((s) => startProxy({ port: s.port })));
  return proxies.map((p) => p.url);
}

afterEach(async () => {
  await Promise.allSettled(proxies.map((p) => p.close()));
  proxies = [];
  await set?.stop();
});

/** Whether a MONITOR line runs one of `scripts`: EVAL of its source the first time on a connection, EVALSHA after. */
function isScript(args: readonly string[], scripts: readonly LuaScript[]): boolean {
  const command = args[0]?.toLowerCase();
  const body = args[1] ?? '';
  return scripts.some((s) => (command === 'evalsha' ? body === s.sha1 : command === 'eval' && body.startsWith(s.source.split('\n')[0]!)));
}

/** Milliseconds an async call took. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

describe('faults on 3 instances', () => {
  it('one black-holed instance: acquire and release still succeed, without waiting for it', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 2_000 });
    await (await a.acquire('warm', { ttl: 5_000 })).release(); // connections are up
    proxies[0]!.blackhole(true);
    const [lock, took] = await timed(() => a.acquire('bh', { ttl: 10_000 }));
    expect(lock.isHeld).toBe(true);
    expect(took).toBeLessThan(2_000); // decided by the two that answer, not by the timeout
    const [released, releaseTook] = await timed(() => lock.release());
    expect(released).toBe(true);
    expect(releaseTook).toBeLessThan(2_000);
  });

  it('one slow instance (+200 ms) does not slow an acquisition a quorum decided', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls);
    await (await a.acquire('warm', { ttl: 5_000 })).release();
    proxies[2]!.setLatency(200);
    const [lock, took] = await timed(() => a.acquire('slow', { ttl: 10_000 }));
    expect(took).toBeLessThan(200);
    await lock.release();
  });

  it('one killed instance: the other two still grant and refuse the lock', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls);
    const b = redlock(urls, { keyPrefix: a.options.keyPrefix });
    await set.servers[1]!.kill();
    const lock = await a.acquire('k1', { ttl: 10_000 });
    expect(await b.tryAcquire('k1', { ttl: 1_000 })).toBeNull();
    expect(await lock.release()).toBe(true);
    expect(await b.tryAcquire('k1', { ttl: 1_000 })).not.toBeNull();
  });

  it('two killed instances: a clear QuorumError naming each instance, fast; acquire gives up within its budget', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 300 });
    await (await a.acquire('warm', { ttl: 5_000 })).release();
    await Promise.all([set.servers[0]!.kill(), set.servers[2]!.kill()]);
    const error = await a.tryAcquire('k2', { ttl: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuorumError);
    const q = error as QuorumError;
    expect(q.quorum).toBe(2);
    // Two errors decide the outcome: the live instance's answer is not waited for.
    expect(q.outcomes.map((o) => o.status)).toEqual(['error', expect.stringMatching(/^(acquired|pending)$/), 'error']);
    expect(q.outcomes[0]!.instance).toBe(urls[0]);
    expect(q.message).toMatch(/could not reach a quorum/);

    const [result, took] = await timed(() => a.acquire('k2', { ttl: 5_000, wait: 400 }).catch((e: unknown) => e));
    expect(result).toBeInstanceOf(LockTimeoutError);
    expect((result as LockTimeoutError).cause).toBeInstanceOf(QuorumError);
    expect(took).toBeLessThan(400 + 300 + 500);
  });

  it('all instances down, then back: a typed error within wait + one command timeout, recovery within about a second', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 300 });
    await (await a.acquire('warm', { ttl: 5_000 })).release();
    await Promise.all(set.servers.map((s) => s.kill()));

    const [result, took] = await timed(() => a.acquire('down', { ttl: 5_000, wait: 500 }).catch((e: unknown) => e));
    expect(result).toBeInstanceOf(LockTimeoutError);
    const cause = (result as LockTimeoutError).cause as QuorumError;
    expect(cause.outcomes.filter((o) => o.status === 'error' && o.error instanceof Error).length).toBeGreaterThanOrEqual(2);
    expect(cause.outcomes.every((o) => o.status === 'error' || o.status === 'pending')).toBe(true);
    expect(took).toBeLessThan(500 + 300 + 500);

    await Promise.all(set.servers.map((s) => s.restart()));
    const back = performance.now();
    const lock = await waitFor(() => a.tryAcquire('down', { ttl: 5_000 }).catch(() => null), { timeout: 3_000, interval: 20 });
    expect(performance.now() - back).toBeLessThan(1_500);
    expect(await lock.release()).toBe(true);
  });

  it('every instance black-holed: no hang; the error arrives within wait + command timeout', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 250 });
    await (await a.acquire('warm', { ttl: 5_000 })).release();
    for (const p of proxies) p.blackhole(true);
    const [result, took] = await timed(() => a.acquire('bh-all', { ttl: 5_000, wait: 300 }).catch((e: unknown) => e));
    expect(result).toBeInstanceOf(LockTimeoutError);
    expect(took).toBeLessThan(300 + 250 + 500);
    const timeout = await a.tryAcquire('bh-all', { ttl: 5_000 }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(QuorumError);
    // The timed-out connections were reset: now they report a timeout or a dropped connection.
    const outcomes = (timeout as QuorumError).outcomes;
    expect(
      outcomes.filter((o) => o.error?.name === 'CommandTimeoutError' || o.error?.name === 'ConnectionError').length,
    ).toBeGreaterThanOrEqual(2);
    expect(outcomes.every((o) => o.status === 'error' || o.status === 'pending')).toBe(true);
  });

  it('an instance refusing connections fails fast with a ConnectionError, not a queued command', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 5_000 });
    await (await a.acquire('warm', { ttl: 5_000 })).release();
    proxies[0]!.refuse(true);
    proxies[1]!.refuse(true);
    const [error, took] = await timed(() => a.tryAcquire('refused', { ttl: 5_000 }).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(QuorumError);
    expect((error as QuorumError).outcomes[0]!.error).toBeInstanceOf(ConnectionError);
    expect(took).toBeLessThan(1_000); // far below the 5 s command timeout
  });

  it('auto-extension keeps a lock through a black-holed minority', async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 100 });
    const lock = await a.acquire('keep', { ttl: 300, autoExtend: true });
    proxies[1]!.blackhole(true);
    let extended = 0;
    lock.on('extended', () => extended++);
    await waitFor(() => extended >= 4, { timeout: 5_000 });
    expect(lock.isHeld).toBe(true);
    expect(lock.signal.aborted).toBe(false);
    await lock.release();
  });

  it('a killed holder process: a waiter takes over within a few ms of expiry, not a retry delay later', async () => {
    const urls = await threeBehindProxies();
    const keyPrefix = prefix();
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'fixtures', 'holder.mjs'), distEntry, urls.join(','), keyPrefix, 'job', '1500', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    defer(() => child.kill('SIGKILL'));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
    const held = JSON.parse(line) as { acquiredAt: number; remaining: number };
    child.kill('SIGKILL');
    const a = redlock(urls, { keyPrefix });
    // A retry delay of 5 s: only sleeping until the holder's remaining ttl can be prompt.
    const lock = await a.acquire('job', { ttl: 5_000, wait: 10_000, retryDelay: 5_000, retryJitter: 0 });
    const takeover = Date.now();
    const expiry = held.acquiredAt + 1500;
    expect(takeover).toBeGreaterThanOrEqual(expiry - 50); // never before the holder's keys expired
    expect(takeover - expiry).toBeLessThan(250);
    await lock.release();
  });

  it("a failed attempt's late yes is undone without touching the next attempt's lock", async () => {
    const urls = await threeBehindProxies();
    const a = redlock(urls, { commandTimeout: 2_000 });
    await (await a.acquire('warm', { ttl: 5_000 })).release();
    const direct = raw(set.urls);
    const key = `${a.options.keyPrefix}{late}`;
    // The slow instance's commands, as it runs them: the undo of attempt 1's late yes is seen
    // there (undo-to.lua, or release.lua where no holder was reported), not waited for.
    const monitor = await direct[2]!.monitor();
    monitor.on('error', () => undefined);
    defer(() => monitor.disconnect());
    let undone = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(key) && isScript(args, [lua.undoTo.script, lua.release.script])) undone = true;
    });
    // A foreign holder on two instances, expiring soon; the third instance answers slowly.
    await Promise.all([direct[0]!.set(key, 'other', 'PX', 40), direct[1]!.set(key, 'other', 'PX', 40)]);
    proxies[2]!.setLatency(100);
    // Attempt 1 fails on the two held instances (the slow one still pending), attempt 2
    // succeeds once they expire; then attempt 1's late yes arrives and is undone.
    const lock = await a.acquire('late', { ttl: 10_000, retryDelay: 5 });
    // Until a look after the undo: a quorum holds this lock's value, and no instance that held
    // it loses it.
    const seen = [false, false, false];
    const deadline = performance.now() + 5_000;
    for (let after = false; !after;) {
      expect(performance.now(), "attempt 1's late yes was never undone on the slow instance").toBeLessThan(deadline);
      after = undone; // (a look that starts after the undo ran sees what it left)
      const values = await Promise.all(direct.map((c) => c.get(key)));
      values.forEach((v, i) => {
        if (seen[i]) expect(v, `instance ${i} lost the lock's key`).toBe(lock.value);
        if (v === lock.value) seen[i] = true;
      });
      expect(values.filter((v) => v === lock.value).length).toBeGreaterThanOrEqual(2);
      if (!after) await new Promise((r) => setTimeout(r, 20));
    }
    expect(lock.isHeld).toBe(true);
  });

  it('borrowed clients are used but never closed', async () => {
    set = await startRedisSet(3);
    const clients = set.urls.map((u) => new Redis(u));
    defer(() => clients.forEach((c) => c.disconnect()));
    await Promise.all(clients.map((c) => c.ping())); // all connected before the test starts
    const a = new Redlock(clients, { keyPrefix: prefix() });
    const lock = await a.acquire('borrowed', { ttl: 5_000 });
    await a.close();
    expect(lock.isHeld).toBe(false); // close() released it
    expect(clients.every((c) => c.status === 'ready')).toBe(true);
    expect(await clients[0]!.ping()).toBe('PONG');
    void raw;
  });
});
