// OpenTelemetry metrics and a logger. Any MeterProvider works (your SDK's, or the global one
// once registered); this one keeps the metrics in memory and prints them.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/metrics.ts`
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
const logger = { ...console, debug: () => undefined }; // pino or winston work the same way

// `account:7` is reported as tenure.lock.name="account": ids never become labels.
const redlock = new Redlock(urls, { keyPrefix, meterProvider, logger });
redlock.on('contended', ({ name, attempt }) => console.log(`contended: ${name} (attempt ${attempt})`));
const lock = await redlock.acquire('account:7', { ttl: 5_000 });
await redlock.tryAcquire('account:7', { ttl: 5_000 }); // held: contended
await lock.release();

await reader.forceFlush();
for (const metric of exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))) {
  const points = metric.dataPoints.map((p) => {
    const value = typeof p.value === 'number' ? p.value : `count=${(p.value as { count: number }).count}`;
    return `${JSON.stringify(p.attributes)} ${value}`;
  });
  console.log(`${metric.descriptor.name} (${metric.descriptor.unit}): ${points.join('; ')}`);
}
await redlock.close();
await meterProvider.shutdown();
