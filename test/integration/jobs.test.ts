/**
 * Exclusive scheduled jobs and run-once tasks, with several Redlocks (as several processes
 * would have) against the shared 1- and 3-instance sets.
 */
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, type Redlock, type RunEvent, type Schedule } from '../../src/index.js';
import { defer, prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

function fleet(urls: string[], n: number, keyPrefix = prefix()): Redlock[] {
  return Array.from({ length: n }, () => redlock(urls, { keyPrefix, commandTimeout: 500 }));
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['1 instance', 'redis1'],
  ['3 instances', 'redis3'],
] as const)('schedule on %s', (_, set) => {
  const urls = inject(set);

  it('runs once per period, on one member of the fleet, never two at once, none skipped after a long run; stop() ends it', async () => {
    const every = 250;
    const runs: { period: number; who: number; start: number; end: number }[] = [];
    let running = 0;
    let overlaps = 0;
    const schedules: Schedule[] = fleet(urls, 3).map((r, who) =>
      r.schedule('report', { every }, async (_signal, run) => {
        if (++running > 1) overlaps++;
        const start = performance.now();
        // The first run outlasts its period, ending 30% into the next: that period must still run, right after it.
        await delay(runs.length === 0 ? (run.period + 1) * every - Date.now() + every * 0.3 : 20);
        running--;
        runs.push({ period: run.period, who, start, end: performance.now() });
      }),
    );
    for (const s of schedules) defer(() => s.stop());
    await waitFor(() => new Set(runs.map((r) => r.period)).size >= 5, { timeout: 10_000 });
    await Promise.all(schedules.map((s) => s.stop()));
    const after = runs.length;
    const periods = runs.map((r) => r.period);
    expect(new Set(periods).size).toBe(periods.length); // no period ran twice
    expect(overlaps).toBe(0);
    // Consecutive periods: none skipped while the fleet was up.
    const sorted = [...periods].sort((a, b) => a - b);
    expect(sorted.at(-1)! - sorted[0]!, JSON.stringify(runs)).toBe(sorted.length - 1);
    // Stopped: no more runs. A witness schedule (another name, the same `every`) shows the start
    // of the period after next: a member still scheduling would have run at the one between.
    const stoppedIn = Math.floor(Date.now() / every);
    const witnessed: number[] = [];
    const witness = fleet(urls, 1)[0]!.schedule('witness', { every }, (_signal, run) => void witnessed.push(run.period));
    defer(() => witness.stop());
    await waitFor(() => witnessed.some((period) => period >= stoppedIn + 2), { timeout: 5_000 });
    expect(runs.length).toBe(after);
  });

  it("a run that throws is reported and still counts as the period's run; the others do not repeat it", async () => {
    const events: RunEvent[] = [];
    let calls = 0;
    const schedules = fleet(urls, 2).map((r) =>
      r.schedule('flaky', { every: 300 }, () => {
        calls++;
        throw new Error('boom');
      }),
    );
    for (const s of schedules) {
      s.on('run', (e) => events.push(e));
      defer(() => s.stop());
    }
    await waitFor(() => events.length >= 2, { timeout: 5_000 });
    await Promise.all(schedules.map((s) => s.stop()));
    expect(events.every((e) => e.error instanceof Error && e.error.message === 'boom')).toBe(true);
    expect(new Set(events.map((e) => e.period)).size).toBe(events.length);
    expect(calls).toBe(events.length);
  });

  it('a run that loses its lock is told through its signal', async () => {
    const keyPrefix = prefix();
    const [r] = fleet(urls, 1, keyPrefix);
    let reason: unknown;
    const s = r!.schedule('long', { every: 60_000, ttl: 300 }, async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      reason = signal.reason;
    });
    defer(() => s.stop());
    const clients = raw(urls);
    // Take the run lock away while the run goes on: the next renewal finds it gone.
    const key = `${keyPrefix}{schedule:long}`;
    // Acquisition settles at a quorum; wait until every instance has the lock, then take it away.
    await waitFor(async () => (await Promise.all(clients.map((c) => c.exists(key)))).every((n) => n === 1));
    expect(await Promise.all(clients.map((c) => c.del(key)))).toEqual(urls.map(() => 1));
    await waitFor(() => reason !== undefined);
    expect(reason).toBeInstanceOf(LockLostError);
  });

  it('rejects bad arguments before any network call', () => {
    const r = redlock(urls);
    expect(() => r.schedule('', { every: 1_000 }, () => undefined)).toThrow(/`name`/);
    expect(() => r.schedule('x', { every: 0 }, () => undefined)).toThrow(/options\.every/);
    expect(() => r.schedule('x', {} as { every: number }, () => undefined)).toThrow(/options\.every/);
    expect(() => r.schedule('x', { every: 1_000, ttl: 1.5 }, () => undefined)).toThrow(/options\.ttl/);
    expect(() => r.schedule('x', { every: 1_000 }, 'nope' as unknown as () => void)).toThrow(/`fn`/);
  });
});

describe.each([
  ['1 instance', 'redis1'],
  ['3 instances', 'redis3'],
] as const)('once on %s', (_, set) => {
  const urls = inject(set);

  it('runs once across concurrent callers; the others wait for the run to finish and do not run it', async () => {
    let calls = 0;
    let finished = 0;
    const results = await Promise.all(
      fleet(urls, 4).map(async (r) => {
        const result = await r.once('migrate', async () => {
          calls++;
          await delay(100);
          finished = performance.now();
          return 'v2';
        });
        return { result, at: performance.now() };
      }),
    );
    expect(calls).toBe(1);
    expect(results.filter((x) => x.result.ran)).toHaveLength(1);
    expect(results.find((x) => x.result.ran)!.result).toEqual({ ran: true, value: 'v2' });
    for (const x of results) expect(x.at).toBeGreaterThanOrEqual(finished);
  });

  it('a failed run is not recorded: a waiting caller runs it, later callers do not', async () => {
    const [a, b, c] = fleet(urls, 3);
    let calls = 0;
    const first = a!.once('seed', async () => {
      calls++;
      await delay(50);
      throw new Error('disk full');
    });
    await waitFor(() => calls === 1); // a runs it; b comes while it runs
    const second = b!.once('seed', () => ++calls);
    await expect(first).rejects.toThrow('disk full');
    expect(await second).toEqual({ ran: true, value: 2 });
    expect(await c!.once('seed', () => ++calls)).toEqual({ ran: false });
    expect(calls).toBe(2);
  });

  it('a waiting caller can give up (signal, wait) with a typed error; bad arguments throw at once', async () => {
    const [a, b] = fleet(urls, 2);
    let release!: () => void;
    const running = a!.once('slow', () => new Promise<void>((resolve) => (release = resolve)));
    await waitFor(() => release !== undefined);
    await expect(b!.once('slow', () => undefined, { wait: 50 })).rejects.toMatchObject({ name: 'LockTimeoutError' });
    const controller = new AbortController();
    const waiting = b!.once('slow', () => undefined, { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    release();
    expect((await running).ran).toBe(true);
    await expect(b!.once('', () => undefined)).rejects.toThrow(/`name`/);
    await expect(b!.once('x', 5 as unknown as () => void)).rejects.toThrow(/`fn`/);
    await expect(b!.once('x', () => undefined, { ttl: -1 })).rejects.toThrow(/options\.ttl/);
  });
});
