/** Endpoints as URLs with a password and a database index; `await using` on a Redlock. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redlock } from '../../src/index.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis();
  const setup = new Redis(server.url);
  await setup.config('SET', 'requirepass', 's3cret');
  setup.disconnect();
});
afterAll(() => server.stop());

it('a redis:// URL with a password and a database index reaches that database', async () => {
  const admin = new Redis({ port: server.port, host: '127.0.0.1', password: 's3cret', db: 2 });
  try {
    {
      await using redlock = new Redlock([`redis://:s3cret@127.0.0.1:${server.port}/2`], { keyPrefix: 'ep:' });
      expect(redlock.instances[0]).toBe(`redis://:***@127.0.0.1:${server.port}/2`);
      const lock = await redlock.acquire('db2', { ttl: 5_000 });
      expect(await admin.get('ep:{db2}')).toBe(lock.value);
      // `await using` on the Redlock: the scope's end releases what it holds and closes.
    }
    expect(await admin.exists('ep:{db2}')).toBe(0);
  } finally {
    admin.disconnect();
  }
});

it('a wrong password is a typed per-instance error, not a hang', async () => {
  await using redlock = new Redlock([`redis://:wrong@127.0.0.1:${server.port}`], { commandTimeout: 500 });
  const error = (await redlock.tryAcquire('x', { ttl: 1_000 }).catch((e: unknown) => e)) as {
    name: string;
    outcomes: { status: string }[];
  };
  expect(error.name).toBe('QuorumError');
  expect(error.outcomes[0]!.status).toBe('error');
});
