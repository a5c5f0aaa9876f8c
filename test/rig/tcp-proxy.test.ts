import { randomBytes } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedis } from '../helpers/redis-server.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { strictClient } from '../helpers/clients.js';
import { once, waitFor } from '../helpers/wait.js';

const prefix = `rig:proxy:${randomBytes(6).toString('hex')}:`;
const clients: Redis[] = [];
const proxies: TcpProxy[] = [];
let targetPort = 0;

function client(url: string, extra: RedisOptions = {}): Redis {
  const c = strictClient(url, extra);
  clients.push(c);
  return c;
}

async function connected(url: string, extra: RedisOptions = {}): Promise<Redis> {
  const c = client(url, extra);
  await c.connect();
  return c;
}

async function proxy(): Promise<TcpProxy> {
  const p = await startProxy({ port: targetPort });
  proxies.push(p);
  return p;
}

beforeAll(() => {
  const [url] = inject('redis1');
  if (url === undefined) throw new Error('globalSetup did not provide redis1');
  targetPort = Number(new URL(url).port);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe('tcp proxy', () => {
  it('forwards traffic both ways', async () => {
    const p = await proxy();
    expect(p.url).toBe(`redis://127.0.0.1:${p.port}`);
    expect(p.port).not.toBe(targetPort);
    const c = await connected(p.url);
    expect(await c.ping()).toBe('PONG');
    expect(p.connections).toBe(1);
    const big = randomBytes(512 * 1024).toString('base64');
    await c.set(`${prefix}big`, big);
    expect(await c.get(`${prefix}big`)).toBe(big);
    await c.del(`${prefix}big`);
  });

  it('setLatency delays each direction and keeps order', async () => {
    const p = await proxy();
    const c = await connected(p.url);
    expect(await c.ping()).toBe('PONG');

    p.setLatency(50);
    const t0 = performance.now();
    expect(await c.ping()).toBe('PONG');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);

    // Many pipelined commands + a large value (many chunks) arrive intact and in order.
    p.setLatency(5);
    const big = randomBytes(256 * 1024).toString('hex');
    const pipe = c.pipeline();
    for (let i = 0; i < 50; i++) pipe.set(`${prefix}n${i}`, String(i));
    pipe.set(`${prefix}big`, big);
    for (let i = 0; i < 50; i++) pipe.get(`${prefix}n${i}`);
    pipe.get(`${prefix}big`);
    const res = await pipe.exec();
    const values = (res ?? []).slice(51).map(([err, v]) => {
      expect(err).toBeNull();
      return v;
    });
    expect(values).toEqual([...Array.from({ length: 50 }, (_, i) => String(i)), big]);

    p.setLatency(0);
    await c.del(`${prefix}big`, ...Array.from({ length: 50 }, (_, i) => `${prefix}n${i}`));
  });

  it('blackhole makes commands time out without closing; turning it off lets new commands through', async () => {
    const p = await proxy();
    const c = await connected(p.url, { commandTimeout: 200 });
    expect(await c.ping()).toBe('PONG');

    p.blackhole(true);
    await expect(c.ping()).rejects.toThrow(/timed out/i);
    expect(c.status).toBe('ready'); // connection not closed
    expect(p.connections).toBe(1);

    p.blackhole(false);
    // The dropped PING never reached Redis, so this old connection's replies would be
    // misaligned; a new command on a fresh connection succeeds.
    const fresh = await connected(p.url, { commandTimeout: 1000 });
    expect(await fresh.ping()).toBe('PONG');
  });

  it('refuse kills existing connections and makes new ones fail fast', async () => {
    const p = await proxy();
    const c = await connected(p.url);
    expect(await c.ping()).toBe('PONG');

    const closed = once(c, 'close');
    p.refuse(true);
    await closed;
    await waitFor(() => p.connections === 0);

    const t0 = performance.now();
    await expect(client(p.url, { connectTimeout: 5_000 }).connect()).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(p.connections).toBe(0);

    p.refuse(false);
    const again = await connected(p.url);
    expect(await again.ping()).toBe('PONG');
  });

  it('dropConnections closes current connections; new ones work', async () => {
    const p = await proxy();
    const a = await connected(p.url);
    const b = await connected(p.url);
    expect(await a.ping()).toBe('PONG');
    expect(await b.ping()).toBe('PONG');
    await waitFor(() => p.connections === 2);

    const closedA = once(a, 'close');
    const closedB = once(b, 'close');
    p.dropConnections();
    await Promise.all([closedA, closedB]);
    await waitFor(() => p.connections === 0);

    const c = await connected(p.url);
    expect(await c.ping()).toBe('PONG');
  });

  it('close stops listening', async () => {
    const p = await startProxy({ port: targetPort });
    const c = await connected(p.url);
    const closed = once(c, 'close');
    await p.close();
    await closed;
    await p.close(); // idempotent
    await expect(client(p.url).connect()).rejects.toThrow();
  });

  it('only proxies to loopback targets', async () => {
    await expect(startProxy({ host: '10.0.0.1', port: 6379 })).rejects.toThrow(/loopback/);
  });
});

describe('tcp proxy in front of a server that dies', () => {
  let srv: RedisProcess;

  beforeAll(async () => {
    srv = await startRedis();
  });

  afterAll(async () => {
    await srv.stop();
  });

  it('closes the client side when the upstream goes away', async () => {
    const p = await startProxy({ port: srv.port });
    proxies.push(p);
    const c = await connected(p.url);
    expect(await c.ping()).toBe('PONG');
    const closed = once(c, 'close');
    await srv.kill();
    await closed;
    await waitFor(() => p.connections === 0);
    await srv.restart();
    const again = await connected(p.url);
    expect(await again.ping()).toBe('PONG');
  });
});
