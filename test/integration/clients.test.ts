/**
 * Borrowed clients of every kind: accepted bare or as `{ client }`, labelled by their server,
 * left open by close(), and the subscriber connection Tenure makes for waiters (node-redis's
 * `duplicate()`, GLIDE's own client) is closed with the Redlock. A client Tenure does not know
 * is a TypeError naming what was passed and what is accepted. (The lock, hand-off, election
 * and Cluster suites run once per kind: test/helpers/kinds.ts.)
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redlock, type BorrowedClient } from '../../src/index.js';
import { BORROWED, connectOne } from '../helpers/kinds.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { defer, prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

// A server of this file's own: it counts the connections on it.
let server: RedisProcess;
let url: string;
beforeAll(async () => {
  server = await startRedis();
  url = server.url;
});
afterAll(() => server?.stop());

/** Connections to the server, but for the one asking. */
async function connections(admin: Redis): Promise<number> {
  const list = String(await admin.client('LIST'));
  return list.split('\n').filter((line) => line.trim() !== '').length - 1;
}

describe.each(BORROWED)('a borrowed %s client', (kind) => {
  it('takes locks bare and as { client }, stays open after close(), and its subscriber connection is closed', async () => {
    const [admin] = raw([url]);
    const made = await connectOne(kind, url);
    defer(() => made.close());
    const before = await connections(admin!);
    const keyPrefix = prefix();
    const client = made.endpoint as BorrowedClient;
    const bare = new Redlock([client], { keyPrefix, retryDelay: 5_000, retryJitter: 0 });
    const wrapped = new Redlock([{ client, label: 'mine' }], { keyPrefix });
    expect(bare.instances).toEqual([url]);
    expect(wrapped.instances).toEqual(['mine']);
    const lock = await wrapped.acquire('c', { ttl: 10_000 });
    const waiting = bare.acquire('c', { ttl: 5_000, wait: 10_000 });
    // The waiter's subscriber connection is one more connection on the server.
    await waitFor(async () => (await connections(admin!)) === before + 1);
    const released = performance.now();
    await lock.release();
    await (await waiting).release();
    expect(performance.now() - released).toBeLessThan(1_000); // woken by the release, not the 5 s delay
    await bare.close();
    await wrapped.close();
    await waitFor(async () => (await connections(admin!)) === before); // the subscriber is gone
    // The user's client still works: Tenure closed nothing of it.
    const again = new Redlock([client], { keyPrefix });
    defer(() => again.close());
    expect(await (await again.acquire('c', { ttl: 1_000 })).release()).toBe(true);
  });
});

describe('a client Tenure does not know', () => {
  class FakeClient {
    get(): Promise<null> {
      return Promise.resolve(null);
    }
  }

  it('is a TypeError naming the argument, what was passed and what is accepted', () => {
    expect(() => new Redlock([new FakeClient() as never])).toThrow(
      /Expected `endpoints\[0\]` to be an ioredis .*node-redis .*Valkey GLIDE.*; got an instance of FakeClient/,
    );
    expect(() => new Redlock([{ client: new FakeClient() as never }])).toThrow(TypeError);
    expect(() => new Redlock([{ client: {} as never }])).toThrow(/Expected `endpoints\[0\]\.client` to be an ioredis .*got an object/);
  });
});
