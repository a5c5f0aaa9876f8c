/**
 * Client kinds, for running the existing suites once per kind: `url` (connections Tenure
 * opens from URLs) and every borrowed client Tenure accepts — ioredis 5 and 6, iovalkey,
 * node-redis 5 and 6 (the current major and the previous one), Valkey GLIDE. Clients are
 * connected once per describe block (beforeAll) and closed after it (afterAll); Tenure
 * never closes them itself. Tests isolate by key prefix, so a block's tests share them.
 */
import { GlideClient, GlideClusterClient } from '@valkey/valkey-glide';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { Cluster as ValkeyCluster, Redis as Valkey } from 'iovalkey';
import { createClient as createClient5, createCluster as createCluster5 } from 'redis5';
import { createClient as createClient6, createCluster as createCluster6 } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import type { EndpointInput } from '../../src/index.js';

export type Kind = 'url' | 'ioredis5' | 'ioredis6' | 'iovalkey' | 'node-redis5' | 'node-redis6' | 'glide';

/** Every borrowed kind. */
export const BORROWED: readonly Kind[] = ['ioredis5', 'ioredis6', 'iovalkey', 'node-redis5', 'node-redis6', 'glide'];
/** URLs and every borrowed kind. */
export const KINDS: readonly Kind[] = ['url', ...BORROWED];

interface Made {
  readonly endpoint: EndpointInput;
  close(): Promise<unknown> | void;
}

const hostPort = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
};

const quiet = <T extends { on(event: 'error', fn: (e: unknown) => void): unknown }>(c: T): T => {
  c.on('error', () => undefined); // a test that stops a server sees errors through Tenure
  return c;
};

/** A connected client of `kind` on one server. */
export async function connectOne(kind: Kind, url: string): Promise<Made> {
  switch (kind) {
    case 'url':
      return { endpoint: url, close: () => undefined };
    case 'ioredis5':
    case 'ioredis6':
    case 'iovalkey': {
      const options = { maxRetriesPerRequest: 1 };
      const c = quiet(
        kind === 'ioredis5' ? new Redis5(url, options) : kind === 'ioredis6' ? new Redis6(url, options) : new Valkey(url, options),
      );
      return { endpoint: c, close: () => c.disconnect() };
    }
    case 'node-redis5':
    case 'node-redis6': {
      const c = quiet(kind === 'node-redis5' ? createClient5({ url }) : createClient6({ url }));
      await c.connect();
      return { endpoint: c, close: () => c.destroy() };
    }
    case 'glide': {
      const c = await GlideClient.createClient({ addresses: [hostPort(url)], requestTimeout: 2_000 });
      return { endpoint: c, close: () => c.close() };
    }
  }
}

/** A connected Cluster client of `kind` (`url`: a `{ cluster: seeds }` Endpoint Tenure connects). */
export async function connectCluster(kind: Kind, seeds: ReadonlyArray<{ host: string; port: number }>): Promise<Made> {
  const urls = seeds.map((s) => `redis://${s.host}:${s.port}`);
  switch (kind) {
    case 'url':
      return { endpoint: { cluster: [...seeds] }, close: () => undefined };
    case 'ioredis5':
    case 'ioredis6':
    case 'iovalkey': {
      const nodes = [...seeds];
      const c = quiet(kind === 'ioredis5' ? new Cluster5(nodes) : kind === 'ioredis6' ? new Cluster6(nodes) : new ValkeyCluster(nodes));
      return { endpoint: c, close: () => c.disconnect() };
    }
    case 'node-redis5':
    case 'node-redis6': {
      const rootNodes = urls.map((url) => ({ url }));
      const c = quiet(kind === 'node-redis5' ? createCluster5({ rootNodes }) : createCluster6({ rootNodes }));
      await c.connect();
      return { endpoint: c, close: () => c.destroy() };
    }
    case 'glide': {
      const c = await GlideClusterClient.createClient({ addresses: [...seeds], requestTimeout: 2_000 });
      return { endpoint: c, close: () => c.close() };
    }
  }
}

/**
 * Registers beforeAll/afterAll for clients of `kind` on each of `urls`; the returned function
 * gives the endpoints (inside a test). For `url`, the URLs themselves.
 */
export function useClients(kind: Kind, urls: () => readonly string[]): () => EndpointInput[] {
  let made: Made[] = [];
  beforeAll(async () => {
    made = await Promise.all(urls().map((u) => connectOne(kind, u)));
  });
  afterAll(async () => {
    await Promise.allSettled(made.map(async (m) => m.close()));
  });
  return () => made.map((m) => m.endpoint);
}

/** Like useClients, for one Cluster endpoint (seeds read when the block starts). */
export function useCluster(kind: Kind, seeds: () => ReadonlyArray<{ host: string; port: number }>): () => EndpointInput {
  let made: Made | undefined;
  beforeAll(async () => {
    made = await connectCluster(kind, seeds());
  });
  afterAll(async () => {
    await made?.close();
  });
  return () => made!.endpoint;
}
