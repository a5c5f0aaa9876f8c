/** Helpers for tests that build Tenure objects through the public API. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { Redlock, type EndpointInput, type RedlockOptions } from '../../src/index.js';

/** A fresh key prefix, so test files can share servers and run in parallel. */
export function prefix(): string {
  return `t:${randomBytes(6).toString('hex')}:`;
}

const cleanups: Array<() => Promise<unknown>> = [];

/** Closed after each test. */
export function redlock(urls: readonly EndpointInput[], options: RedlockOptions = {}): Redlock {
  const r = new Redlock(urls, { keyPrefix: prefix(), ...options });
  cleanups.push(() => r.close());
  return r;
}

/** Plain ioredis connections to look at or tamper with the servers directly; closed after each test. */
export function raw(urls: readonly string[]): Redis[] {
  const clients = urls.map((u) => new Redis(u, { lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 }));
  for (const c of clients) {
    c.on('error', () => undefined);
    cleanups.push(() => Promise.resolve(c.disconnect()));
  }
  return clients;
}

/** Registers a cleanup to run after the current test. */
export function defer(fn: () => unknown): void {
  cleanups.push(() => Promise.resolve(fn()));
}

afterEach(async () => {
  const list = cleanups.splice(0).reverse();
  for (const fn of list) await fn().catch(() => undefined);
});
