/**
 * Cron schedules across three processes, against three real instances: each scheduled time
 * (a seconds field makes them a second apart) runs exactly once across the fleet, none
 * skipped; and a run that crashes with its lock held is taken over by another process within
 * the same scheduled time. A new schedule starts at its next scheduled time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { distEntry } from '../helpers/build.js';
import { prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const urls = inject('redis3');
const fixture = join(import.meta.dirname, 'fixtures', 'cron-worker.mjs');
let children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
});

async function fleet(keyPrefix: string, cron: string, ttl: number, crash: boolean): Promise<void> {
  const started = Array.from({ length: 3 }, () => {
    const child = spawn(process.execPath, [fixture, distEntry, urls.join(','), keyPrefix, cron, String(ttl), crash ? '1' : '0']);
    children.push(child);
    return new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`worker exited with ${code} before it started`)));
    });
  });
  await Promise.all(started);
}

interface Run {
  readonly period: number;
  readonly pid: string;
  readonly scheduledAt?: number;
  readonly crashed: boolean;
}

async function runs(keyPrefix: string): Promise<Run[]> {
  const [admin] = raw(urls.slice(0, 1));
  return (await admin!.lrange(`${keyPrefix}runs`, 0, -1)).map((line) => {
    const parts = line.split(':');
    if (parts[0] === 'crash') return { period: Number(parts[1]), pid: parts[2]!, crashed: true };
    return { period: Number(parts[0]), scheduledAt: Number(parts[1]), pid: parts[2]!, crashed: false };
  });
}

describe('cron schedules across three processes', () => {
  it('each scheduled time runs exactly once, none skipped', async () => {
    const keyPrefix = prefix();
    const spawned = Date.now();
    await fleet(keyPrefix, '* * * * * *', 1_000, false);
    await waitFor(async () => (await runs(keyPrefix)).length >= 4, { timeout: 15_000 });
    for (const c of children) c.kill('SIGKILL');
    const done = await runs(keyPrefix);
    const periods = done.map((r) => r.period);
    expect(new Set(periods).size).toBe(periods.length); // no time ran twice
    const sorted = [...periods].sort((a, b) => a - b);
    expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => sorted[0]! + i)); // none skipped
    for (const r of done) expect(r.scheduledAt).toBe(r.period * 1000); // the period is the scheduled second
    // A new schedule does not run a time that passed before it started (jobs/cron.ts).
    expect(Math.min(...done.map((r) => r.scheduledAt!))).toBeGreaterThan(spawned);
    expect(new Set(done.map((r) => r.pid)).size).toBeGreaterThanOrEqual(1);
  });

  it('a run that crashes holding its lock is taken over within the same scheduled time', async () => {
    const keyPrefix = prefix();
    await fleet(keyPrefix, '*/3 * * * * *', 400, true);
    await waitFor(async () => (await runs(keyPrefix)).filter((r) => !r.crashed).length >= 2, { timeout: 20_000 });
    const all = await runs(keyPrefix);
    const crashed = all.find((r) => r.crashed)!;
    expect(crashed).toBeDefined();
    const done = all.filter((r) => !r.crashed);
    const takeover = done.find((r) => r.period === crashed.period);
    expect(takeover).toBeDefined(); // the crashed time ran after all...
    expect(takeover!.pid).not.toBe(crashed.pid); // ...on another process
    const periods = done.map((r) => r.period);
    expect(new Set(periods).size).toBe(periods.length); // and still no time ran twice
    expect(periods.every((p) => p % 3 === 0)).toBe(true);
  });
});
