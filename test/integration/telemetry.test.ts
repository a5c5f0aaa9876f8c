/**
 * OpenTelemetry metrics and spans, read back through the SDK's in-memory exporters after
 * known operations on a real server: names, units, attributes and values. And: the global
 * MeterProvider is used when none is passed, `tenure.lock.name` stays low-cardinality, and a
 * failing meter, tracer or logger never reaches the caller.
 */
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  DataPointType,
  PeriodicExportingMetricReader,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, LockTimeoutError, QuorumError, type RedlockOptions } from '../../src/index.js';
import { defer, raw, redlock } from '../helpers/tenure.js';
import { once, waitFor } from '../helpers/wait.js';

const urls = inject('redis1');

/** A MeterProvider with an in-memory exporter; `read()` collects and returns the metrics by name. */
function meter(): { provider: MeterProvider; read: () => Promise<Map<string, MetricData>> } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  defer(() => provider.shutdown());
  return {
    provider,
    read: async () => {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const rm of exporter.getMetrics())
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) byName.set(m.descriptor.name, m);
      return byName;
    },
  };
}

/** The data point of `metric` whose attributes include `attrs`; its value. */
function point(m: MetricData | undefined, attrs: Record<string, unknown>): unknown {
  const p = m?.dataPoints.find((d) => Object.entries(attrs).every(([k, v]) => d.attributes[k] === v));
  return p?.value;
}

const count = (v: unknown): number => (v as { count: number } | undefined)?.count ?? 0;

describe('metrics', () => {
  it('names, units and values after known operations', async () => {
    const { provider, read } = meter();
    const r = redlock(urls, { meterProvider: provider, retryDelay: 20 });
    const lock = await r.acquire('orders', { ttl: 10_000 });
    expect(await r.tryAcquire('orders', { ttl: 1_000 })).toBeNull(); // contended, timeout
    await expect(r.acquire('orders', { ttl: 1_000, wait: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(r.acquire('orders', { ttl: 1_000, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    await lock.release();
    // A lock taken from under its holder: lost (taken) at its next extension.
    const doomed = await r.acquire('orders', { ttl: 10_000 });
    await raw(urls)[0]!.del(`${r.options.keyPrefix}{orders}`);
    await expect(doomed.extend()).rejects.toBeInstanceOf(LockLostError);
    // A key of the wrong type: an error outcome and a server error.
    await raw(urls)[0]!.hset(`${r.options.keyPrefix}{wrong}`, 'f', 'v');
    await expect(r.tryAcquire('wrong', { ttl: 1_000 })).rejects.toBeInstanceOf(QuorumError);
    const still = await r.acquire('account:7', { ttl: 10_000 });

    const m = await read();
    const acquire = m.get('tenure.lock.acquire.duration')!;
    expect(acquire.descriptor.unit).toBe('s');
    expect(acquire.dataPointType).toBe(DataPointType.HISTOGRAM);
    const orders = { 'tenure.lock.name': 'orders' };
    expect(count(point(acquire, { ...orders, 'tenure.outcome': 'acquired' }))).toBe(2);
    expect(count(point(acquire, { ...orders, 'tenure.outcome': 'timeout' }))).toBe(2);
    expect(count(point(acquire, { ...orders, 'tenure.outcome': 'aborted' }))).toBe(1);
    expect(count(point(acquire, { 'tenure.lock.name': 'wrong', 'tenure.outcome': 'error' }))).toBe(1);
    // The timed-out acquire waited at least its 100 ms: its sum is in seconds.
    expect((point(acquire, { ...orders, 'tenure.outcome': 'timeout' }) as { sum: number }).sum).toBeGreaterThanOrEqual(0.1);
    expect((point(acquire, { ...orders, 'tenure.outcome': 'timeout' }) as { sum: number }).sum).toBeLessThan(5);

    const hold = m.get('tenure.lock.hold.duration')!;
    expect(hold.descriptor.unit).toBe('s');
    expect(count(point(hold, { ...orders, 'tenure.lock.end': 'released' }))).toBe(1);
    expect(count(point(hold, { ...orders, 'tenure.lock.end': 'lost' }))).toBe(1);
    expect(point(m.get('tenure.lock.lost'), { ...orders, 'tenure.lock.reason': 'taken' })).toBe(1);
    expect(point(m.get('tenure.lock.contended'), orders)).toBeGreaterThanOrEqual(3); // tryAcquire, the timed-out waits' attempts
    expect((m.get('tenure.lock.held') as SumMetricData).isMonotonic).toBe(false);
    expect((m.get('tenure.lock.contended') as SumMetricData).isMonotonic).toBe(true);
    expect(point(m.get('tenure.lock.held'), orders)).toBe(0);
    expect(point(m.get('tenure.lock.held'), { 'tenure.lock.name': 'account' })).toBe(1); // the id is not a label
    expect(point(m.get('tenure.lock.waiting'), orders)).toBe(0);
    expect(point(m.get('tenure.server.errors'), { 'server.address': urls[0], 'error.type': 'WRONGTYPE' })).toBe(1);
    const names = [...m.values()].flatMap((x) => x.dataPoints.map((d) => d.attributes['tenure.lock.name'])).filter(Boolean);
    expect(new Set(names)).toEqual(new Set(['orders', 'wrong', 'account']));
    await still.release();
  });

  it('tenure.lock.waiting counts the callers waiting now', async () => {
    const { provider, read } = meter();
    const r = redlock(urls, { meterProvider: provider });
    const lock = await r.acquire('q', { ttl: 10_000 });
    const waiters = [r.acquire('q', { ttl: 1_000, wait: 10_000 }), r.acquire('q', { ttl: 1_000, wait: 10_000 })];
    await waitFor(async () => point((await read()).get('tenure.lock.waiting'), { 'tenure.lock.name': 'q' }) === 2);
    await lock.release();
    await (await Promise.race(waiters)).release(); // the first waiter's turn, then the second's
    for (const l of await Promise.all(waiters)) await l.release();
    expect(point((await read()).get('tenure.lock.waiting'), { 'tenure.lock.name': 'q' })).toBe(0);
  });

  it('a metricName option maps resources to names', async () => {
    const { provider, read } = meter();
    const r = redlock(urls, { meterProvider: provider, metricName: (resources) => `team-${resources.length}` });
    await (await r.acquire(['a', 'b'], { ttl: 1_000 })).release();
    expect(count(point((await read()).get('tenure.lock.acquire.duration'), { 'tenure.lock.name': 'team-2' }))).toBe(1);
  });

  it('election: tenure.election.leader is 1 while leading and 0 after; transitions are counted', async () => {
    const { provider, read } = meter();
    const r = redlock(urls, { meterProvider: provider });
    const e = r.election('main', { ttl: 5_000 });
    const elected = once(e, 'elected');
    e.start();
    await elected;
    const during = await read();
    expect(point(during.get('tenure.election.leader'), { 'tenure.election.name': 'main' })).toBe(1);
    await e.stop();
    const after = await read();
    expect(point(after.get('tenure.election.leader'), { 'tenure.election.name': 'main' })).toBe(0);
    const transitions = after.get('tenure.election.transitions');
    expect(point(transitions, { 'tenure.election.transition': 'elected' })).toBe(1);
    expect(point(transitions, { 'tenure.election.transition': 'demoted' })).toBe(1);
  });

  it('uses the global MeterProvider when none is passed', async () => {
    const { provider, read } = meter();
    expect(metrics.setGlobalMeterProvider(provider)).toBe(true);
    defer(() => metrics.disable());
    const r = redlock(urls);
    await (await r.acquire('g', { ttl: 1_000 })).release();
    expect(count(point((await read()).get('tenure.lock.acquire.duration'), { 'tenure.lock.name': 'g' }))).toBe(1);
  });
});

describe('spans', () => {
  it('one span per acquisition, with its outcome and wait', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    defer(() => tracerProvider.shutdown());
    const r = redlock(urls, { tracerProvider });
    const lock = await r.acquire('s', { ttl: 5_000 });
    await expect(r.acquire('s', { ttl: 1_000, wait: 50 })).rejects.toBeInstanceOf(LockTimeoutError);
    await lock.release();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['tenure.lock.acquire', 'tenure.lock.acquire']);
    expect(spans[0]!.attributes).toMatchObject({ 'tenure.lock.name': 's', 'tenure.outcome': 'acquired', 'tenure.lock.attempts': 1 });
    expect(spans[1]!.attributes['tenure.outcome']).toBe('timeout');
    expect(spans[1]!.attributes['tenure.lock.wait']).toBeGreaterThanOrEqual(0.05);
  });
});

describe('failures inside telemetry never reach the caller', () => {
  const broken = (): RedlockOptions => {
    const boom = (): never => {
      throw new Error('telemetry is down');
    };
    const instrument = { record: boom, add: boom };
    const meter = { createHistogram: () => instrument, createCounter: () => instrument, createUpDownCounter: () => instrument };
    const span = { setAttribute: boom, setStatus: boom, recordException: boom, end: boom };
    return {
      meterProvider: { getMeter: () => meter },
      tracerProvider: { getTracer: () => ({ startSpan: () => span }) },
      logger: { debug: boom, info: boom, warn: boom, error: boom },
    };
  };

  it('a meter, tracer and logger that all throw', async () => {
    const r = redlock(urls, broken());
    const lock = await r.acquire('f', { ttl: 5_000 });
    expect(await r.tryAcquire('f', { ttl: 1_000 })).toBeNull();
    expect(await lock.release()).toBe(true);
  });

  it('a MeterProvider whose getMeter throws', async () => {
    const r = redlock(urls, { meterProvider: { getMeter: () => ({}) }, tracerProvider: { getTracer: () => null } });
    expect(await (await r.acquire('f', { ttl: 1_000 })).release()).toBe(true);
  });
});
