/**
 * The Redlock's events and logger, without OpenTelemetry: `acquired`, `released`, `lost`,
 * `contended` and `serverError` with their durations and servers; a `logger` option that
 * takes any object with debug/info/warn/error; a listener that throws does not break a lock.
 */
import { describe, expect, inject, it } from 'vitest';
import {
  LockLostError,
  QuorumError,
  Redlock,
  type AcquiredEvent,
  type ContendedEvent,
  type LostEvent,
  type ReleasedEvent,
  type ServerErrorEvent,
} from '../../src/index.js';
import { raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const urls = inject('redis3');

describe('events', () => {
  it('acquired, contended, released: with durations and the lock', async () => {
    const r = redlock(urls);
    const seen = { acquired: [] as AcquiredEvent[], contended: [] as ContendedEvent[], released: [] as ReleasedEvent[] };
    r.on('acquired', (e) => seen.acquired.push(e));
    r.on('contended', (e) => seen.contended.push(e));
    r.on('released', (e) => seen.released.push(e));
    const lock = await r.acquire('invoice:42', { ttl: 10_000 });
    expect(seen.acquired).toHaveLength(1);
    expect(seen.acquired[0]).toMatchObject({ resources: ['invoice:42'], name: 'invoice', lock, attempts: 1 });
    expect(seen.acquired[0]!.duration).toBeGreaterThan(0);
    expect(await r.tryAcquire('invoice:42', { ttl: 1_000 })).toBeNull();
    expect(seen.contended).toHaveLength(1);
    expect(seen.contended[0]!.attempt).toBe(1);
    expect(seen.contended[0]!.outcomes.filter((o) => o.status === 'held').length).toBeGreaterThanOrEqual(2); // decided at a quorum
    await new Promise((resolve) => setTimeout(resolve, 20));
    await lock.release();
    expect(seen.released).toHaveLength(1);
    expect(seen.released[0]!.held).toBeGreaterThanOrEqual(19);
    await lock.release(); // idempotent: no second event
    expect(seen.released).toHaveLength(1);
  });

  it('lost: the reason and the error; no released after', async () => {
    const r = redlock(urls);
    const lost: LostEvent[] = [];
    const released: ReleasedEvent[] = [];
    r.on('lost', (e) => lost.push(e));
    r.on('released', (e) => released.push(e));
    const lock = await r.acquire('l', { ttl: 300, autoExtend: true });
    await Promise.all(raw(urls).map((c) => c.del(`${r.options.keyPrefix}{l}`)));
    await waitFor(() => lost.length === 1, { timeout: 5_000 });
    expect(lost[0]).toMatchObject({ resources: ['l'], reason: 'taken' });
    expect(lost[0]!.error).toBeInstanceOf(LockLostError);
    await lock.release();
    expect(released).toHaveLength(0);
  });

  it('serverError: the server and the error type', async () => {
    const r = redlock(urls);
    const errors: ServerErrorEvent[] = [];
    r.on('serverError', (e) => errors.push(e));
    await Promise.all(raw(urls).map((c) => c.hset(`${r.options.keyPrefix}{w}`, 'f', 'v')));
    await expect(r.tryAcquire('w', { ttl: 1_000 })).rejects.toBeInstanceOf(QuorumError);
    expect(errors.length).toBeGreaterThanOrEqual(2); // settled at a quorum of errors
    expect(errors.every((e) => e.type === 'WRONGTYPE' && urls.includes(e.server))).toBe(true);
  });

  it('off removes a listener; a throwing listener does not break the lock', async () => {
    const r = redlock(urls);
    const calls: string[] = [];
    const listener = (): void => void calls.push('acquired');
    r.on('acquired', listener);
    r.off('acquired', listener);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      r.on('released', () => {
        throw new Error('listener bug');
      });
      const lock = await r.acquire('t', { ttl: 1_000 });
      expect(await lock.release()).toBe(true);
      await waitFor(() => uncaught.length === 1); // rethrown on the next tick, as the listener's own
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(calls).toEqual([]);
    expect((uncaught[0] as Error).message).toBe('listener bug');
  });
});

describe('logger', () => {
  it('takes any object with debug/info/warn/error', async () => {
    const lines: Array<[string, string]> = [];
    const logger = {
      debug: (m: string) => lines.push(['debug', m]),
      info: (m: string) => lines.push(['info', m]),
      warn: (m: string) => lines.push(['warn', m]),
      error: (m: string) => lines.push(['error', m]),
    };
    const r = redlock(urls, { logger });
    const lock = await r.acquire('job', { ttl: 300, autoExtend: true });
    expect(lines.some(([level, m]) => level === 'debug' && /^tenure: acquired "job" in/.test(m))).toBe(true);
    await Promise.all(raw(urls).map((c) => c.del(`${r.options.keyPrefix}{job}`)));
    await waitFor(() => lines.some(([level, m]) => level === 'warn' && /^tenure: lost "job" after .* \(taken\)/.test(m)), {
      timeout: 5_000,
    });
    await lock.release();
  });

  it('console works as a logger; a logger without the four methods is a TypeError naming it', async () => {
    const r = redlock(urls, { logger: { ...console, debug: () => undefined } });
    expect(await (await r.acquire('c', { ttl: 1_000 })).release()).toBe(true);
    expect(() => new Redlock(urls, { logger: { info: () => undefined } as never })).toThrow(
      /Expected `options.logger` to be an object with debug\(\), info\(\), warn\(\), error\(\).* without debug, warn, error/,
    );
    expect(() => new Redlock(urls, { metricName: 'x' as never })).toThrow(/`options.metricName` to be a function/);
  });
});
