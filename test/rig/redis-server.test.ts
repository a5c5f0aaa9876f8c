import { existsSync } from 'node:fs';
import type { Redis, RedisOptions } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { redisServerBinary, startRedis, startRedisSet } from '../helpers/redis-server.js';
import type { RedisProcess, RedisSet } from '../helpers/redis-server.js';
import { strictClient } from '../helpers/clients.js';
import { once, waitFor } from '../helpers/wait.js';

const clients: Redis[] = [];
const servers: Array<RedisProcess | RedisSet> = [];

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('redisServerBinary', () => {
  it('finds an executable redis-server', () => {
    expect(redisServerBinary()).toMatch(/redis-server$/);
  });

  it('explains how to install when REDIS_SERVER points nowhere', () => {
    const saved = process.env['REDIS_SERVER'];
    process.env['REDIS_SERVER'] = '/nonexistent/redis-server';
    try {
      expect(() => redisServerBinary()).toThrow(/apt-get install -y redis-server|scripts\/ensure-redis/);
    } finally {
      if (saved === undefined) delete process.env['REDIS_SERVER'];
      else process.env['REDIS_SERVER'] = saved;
    }
  });
});

describe('startRedis / startRedisSet', () => {
  it('starts one server that answers PING', async () => {
    const srv = await startRedis();
    servers.push(srv);
    expect(srv.url).toBe(`redis://127.0.0.1:${srv.port}`);
    expect(srv.pid).toBeGreaterThan(0);
    expect(existsSync(srv.dir)).toBe(true);
    const c = await connected(srv.url);
    expect(await c.ping()).toBe('PONG');
    // Started with our flags: nothing is persisted.
    expect(await c.config('GET', 'save')).toEqual(['save', '']);
    expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });

  it('starts a set of 3 independent servers on distinct ports', async () => {
    const set = await startRedisSet(3);
    servers.push(set);
    expect(set.servers).toHaveLength(3);
    expect(new Set(set.servers.map((s) => s.port)).size).toBe(3);
    expect(set.urls).toEqual(set.servers.map((s) => s.url));
    const cs = await Promise.all(set.urls.map((u) => connected(u)));
    expect(await Promise.all(cs.map((c) => c.ping()))).toEqual(['PONG', 'PONG', 'PONG']);
    // Independent: a write to one is not visible on another.
    await cs[0]!.set('rig:only-here', '1');
    expect(await cs[1]!.get('rig:only-here')).toBeNull();
    await cs[0]!.del('rig:only-here');
  });

  it('passes extra args through', async () => {
    const srv = await startRedis({ args: ['--maxmemory', '10mb'] });
    servers.push(srv);
    const c = await connected(srv.url);
    expect(await c.config('GET', 'maxmemory')).toEqual(['maxmemory', String(10 * 1024 * 1024)]);
  });

  it('rejects with the server output when it cannot start', async () => {
    await expect(startRedis({ args: ['--no-such-directive', 'x'] })).rejects.toThrow(/exited before it was ready[\s\S]*no-such-directive/i);
  });

  it('fails clearly when the requested port is taken', async () => {
    const srv = await startRedis();
    servers.push(srv);
    await expect(startRedis({ port: srv.port })).rejects.toThrow(/port \d+ is (already in use|served by another process)/);
    // The original is unharmed.
    const c = await connected(srv.url);
    expect(await c.ping()).toBe('PONG');
  });
});

describe('shared servers from globalSetup', () => {
  it('provides 1, 3 and 5 reachable servers', async () => {
    const r1 = inject('redis1');
    const r3 = inject('redis3');
    const r5 = inject('redis5');
    expect(r1).toHaveLength(1);
    expect(r3).toHaveLength(3);
    expect(r5).toHaveLength(5);
    expect(new Set([...r1, ...r3, ...r5]).size).toBe(9);
    const cs = await Promise.all(r3.map((u) => connected(u)));
    expect(await Promise.all(cs.map((c) => c.ping()))).toEqual(['PONG', 'PONG', 'PONG']);
  });
});

describe('fault injection on a RedisProcess', () => {
  it('kill (SIGKILL) makes connections fail; restart comes back on the same port, empty', async () => {
    const srv = await startRedis();
    servers.push(srv);
    const { port } = srv;
    const before = await connected(srv.url);
    await before.set('rig:k', 'v');
    expect(await before.dbsize()).toBe(1);

    const closed = once(before, 'close');
    const oldPid = srv.pid;
    await srv.kill();
    expect(alive(oldPid)).toBe(false);
    await closed;
    await expect(before.ping()).rejects.toThrow();
    await expect(client(srv.url).connect()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);

    await srv.restart();
    expect(srv.port).toBe(port);
    expect(srv.pid).not.toBe(oldPid);
    const after = await connected(srv.url);
    expect(await after.ping()).toBe('PONG');
    expect(await after.get('rig:k')).toBeNull();
    expect(await after.dbsize()).toBe(0);
  });

  it('kill accepts another signal and resolves once the process is gone', async () => {
    const srv = await startRedis();
    servers.push(srv);
    const pid = srv.pid;
    await srv.kill('SIGTERM');
    expect(alive(pid)).toBe(false);
    await srv.kill(); // already dead: no-op
  });

  it('pause makes commands time out; resume makes them succeed again', async () => {
    const srv = await startRedis();
    servers.push(srv);
    const c = await connected(srv.url, { commandTimeout: 200 });
    expect(await c.ping()).toBe('PONG');

    srv.pause();
    try {
      await expect(c.ping()).rejects.toThrow(/timed out/i);
    } finally {
      srv.resume();
    }
    // The timed-out PING was still delivered, so replies stay aligned on this connection.
    expect(await c.ping()).toBe('PONG');
    expect(await c.set('rig:after-resume', '1')).toBe('OK');
  });

  it('stop removes the temp dir, is idempotent, and also works while paused', async () => {
    const srv = await startRedis();
    const { dir, pid } = srv;
    expect(existsSync(dir)).toBe(true);
    srv.pause();
    await srv.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await srv.stop();
    await Promise.all([srv.stop(), srv.stop()]);
    await expect(srv.restart()).rejects.toThrow(/stopped/);
  });

  it('RedisSet.stop stops every server', async () => {
    const set = await startRedisSet(3);
    const pids = set.servers.map((s) => s.pid);
    await set.stop();
    await set.stop();
    await waitFor(() => pids.every((p) => !alive(p)), { message: 'servers still alive after stop' });
    for (const s of set.servers) expect(existsSync(s.dir)).toBe(false);
  });
});
