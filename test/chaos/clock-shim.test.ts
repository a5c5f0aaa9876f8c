/** The fault suite's fast clock: a redis-server with the LD_PRELOAD shim at 3× keeps TIME and key expiry 3× fast. */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { fastClockEnv } from '../../chaos/shim.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let server: RedisProcess | undefined;
let client: Redis | undefined;
afterEach(async () => {
  client?.disconnect();
  await server?.stop();
  server = client = undefined;
});

async function serverMs(c: Redis): Promise<number> {
  const [s, us] = (await c.time()) as [string | number, string | number];
  return Number(s) * 1000 + Number(us) / 1000;
}

/** The server's TIME, paired with this process's clock at the middle of the round trip. */
async function reading(c: Redis): Promise<{ real: number; server: number }> {
  const before = performance.now();
  const server = await serverMs(c);
  return { real: (before + performance.now()) / 2, server };
}

/**
 * How fast the server's TIME runs against this process's clock, over ~600 ms on a warm
 * connection: each reading is off by at most half its round trip, so a loaded machine
 * (tens of ms) moves the rate by a few percent at most.
 */
async function clockRate(c: Redis): Promise<number> {
  await c.ping();
  const a = await reading(c);
  await new Promise((r) => setTimeout(r, 600));
  const b = await reading(c);
  return (b.server - a.server) / (b.real - a.real);
}

describe('clock shim', () => {
  it('TIME advances 3× real time, and a key with PX 3000 expires after about 1 s', async () => {
    server = await startRedis({ env: fastClockEnv(3) });
    client = new Redis(server.url);
    const rate = await clockRate(client);
    expect(rate).toBeGreaterThan(2.7);
    expect(rate).toBeLessThan(3.3);

    await client.set('k', 'v', 'PX', 3000);
    const set = performance.now();
    await waitFor(async () => (await client!.exists('k')) === 0, { timeout: 3_000, interval: 10 });
    const expiredAfter = performance.now() - set;
    expect(expiredAfter).toBeGreaterThan(800);
    expect(expiredAfter).toBeLessThan(1_400);
  });

  it('a server restarted empty keeps its fast clock (the launcher keeps the env); rate 1 is the real clock', async () => {
    server = await startRedis({ env: fastClockEnv(3) });
    await server.kill();
    await server.restart();
    client = new Redis(server.url);
    expect(await clockRate(client)).toBeGreaterThan(2.7);
    client.disconnect();
    await server.stop();

    server = await startRedis({ env: fastClockEnv(1) });
    client = new Redis(server.url);
    const rate = await clockRate(client);
    expect(rate).toBeGreaterThan(0.9);
    expect(rate).toBeLessThan(1.1);
    expect(Math.abs((await serverMs(client)) - Date.now())).toBeLessThan(1_000);
  });
});
