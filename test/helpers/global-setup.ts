/**
 * vitest globalSetup: start three shared, independent Redis sets (1, 3 and 5
 * servers) once per run and provide their URLs to tests via `inject()`.
 *
 * Tests isolate themselves with random key prefixes, so sharing is fine.
 * Tests that kill or pause servers must start their own (startRedis / startRedisSet).
 */
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from './build.js';
import { startRedisSet } from './redis-server.js';
import type { RedisSet } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redis1: string[];
    redis3: string[];
    redis5: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Build dist/ here, once, before any worker starts: tests that spawn child processes or
  // import the package run the build, and concurrent builds in workers would race (tsup cleans dist/).
  ensureBuilt();
  const sets: RedisSet[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(sets.map((s) => s.stop()));
  };
  try {
    // Sequential: keeps the startup burst modest on small machines.
    for (const n of [1, 3, 5] as const) sets.push(await startRedisSet(n));
  } catch (err) {
    await stopAll();
    throw err;
  }
  const [one, three, five] = sets as [RedisSet, RedisSet, RedisSet];
  project.provide('redis1', one.urls);
  project.provide('redis3', three.urls);
  project.provide('redis5', five.urls);
  return stopAll;
}
