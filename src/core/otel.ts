/**
 * OpenTelemetry, through `@opentelemetry/api` (an optional peer dependency, 1.9 or later):
 * loaded only when it is installed and only by a Redlock that may use it, from both builds
 * (`require` in the CommonJS one, `createRequire` in the ES module one). Without it, or with
 * only the API's no-op providers registered, there are no instruments and no spans, and
 * nothing is allocated for them on any call.
 *
 * The instruments' names, units and attributes are the contract (README, "Metrics").
 */
import { createRequire } from 'node:module';
import { debuglog } from 'node:util';

const debug = debuglog('tenure');

/** The part of a MeterProvider Tenure uses (`@opentelemetry/api`'s, or the SDK's). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): unknown;
}

/** The part of a TracerProvider Tenure uses. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

export type Attributes = Record<string, string | number | boolean>;

interface Recorder {
  record(value: number, attributes?: Attributes): void;
}
interface Adder {
  add(value: number, attributes?: Attributes): void;
}
interface Meter {
  createHistogram(name: string, options: object): Recorder;
  createCounter(name: string, options: object): Adder;
  createUpDownCounter(name: string, options: object): Adder;
  createGauge?(name: string, options: object): Recorder;
}

export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(error: Error): unknown;
  end(): void;
}
interface Tracer {
  startSpan(name: string, options: { attributes: Attributes; kind: number }): SpanLike;
}

interface Api {
  metrics: { getMeterProvider(): MeterProviderLike };
  trace: { getTracerProvider(): TracerProviderLike & { getDelegate?(): unknown } };
}

/** `SpanStatusCode.ERROR`, `SpanKind.INTERNAL` of the API (stable numbers). */
export const STATUS_ERROR = 2;
const KIND_INTERNAL = 0;

/** Seconds: lock waits run from a millisecond to minutes. */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface Instruments {
  readonly acquireDuration: Recorder;
  readonly holdDuration: Recorder;
  readonly contended: Adder;
  readonly lost: Adder;
  readonly held: Adder;
  readonly waiting: Adder;
  readonly leader: Recorder;
  readonly transitions: Adder;
  readonly serverErrors: Adder;
}

let api: Api | null | undefined;

/** `@opentelemetry/api` when installed; null when not (looked for once). */
function loadApi(): Api | null {
  if (api !== undefined) return api;
  try {
    // CommonJS build: `require`; ES module build: a require of this module's own.
    const load = typeof require === 'function' ? require : createRequire(import.meta.url);
    api = load('@opentelemetry/api') as Api;
  } catch {
    api = null;
  }
  return api;
}

const isNoop = (provider: unknown): boolean => /^Noop/.test((provider as object | null)?.constructor?.name ?? '');

/** The instruments, on `provider` or else the global MeterProvider; undefined without a real one. */
export function instruments(provider: MeterProviderLike | undefined): Instruments | undefined {
  try {
    const p = provider ?? loadApi()?.metrics.getMeterProvider();
    if (p === undefined || isNoop(p)) return undefined;
    const meter = p.getMeter('tenure') as Meter;
    const histogram = (name: string, description: string): Recorder =>
      meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: BUCKETS } });
    return {
      acquireDuration: histogram(
        'tenure.lock.acquire.duration',
        'Time an acquisition took, by outcome (acquired, timeout, error, aborted)',
      ),
      holdDuration: histogram('tenure.lock.hold.duration', 'Time a lock was held, from acquisition to release or loss'),
      contended: meter.createCounter('tenure.lock.contended', { unit: '{attempt}', description: 'Attempts that found the lock held' }),
      lost: meter.createCounter('tenure.lock.lost', { unit: '{lock}', description: 'Locks lost while held (expired or taken)' }),
      held: meter.createUpDownCounter('tenure.lock.held', { unit: '{lock}', description: 'Locks held now' }),
      waiting: meter.createUpDownCounter('tenure.lock.waiting', { unit: '{caller}', description: 'Callers waiting for a lock now' }),
      leader: (meter.createGauge ?? meter.createHistogram).call(meter, 'tenure.election.leader', {
        unit: '1',
        description: '1 while this process leads the election, else 0',
      }),
      transitions: meter.createCounter('tenure.election.transitions', {
        unit: '{transition}',
        description: 'Leadership changes of this process (elected, demoted)',
      }),
      serverErrors: meter.createCounter('tenure.server.errors', {
        unit: '{error}',
        description: 'Commands a server failed (no answer, connection, error reply)',
      }),
    };
  } catch (error) {
    debug('metrics: %s', String(error));
    return undefined;
  }
}

/** A tracer from `provider` or the global one; undefined when none is registered. */
export function tracer(provider: TracerProviderLike | undefined): ((name: string, a: Attributes) => SpanLike) | undefined {
  try {
    let p: (TracerProviderLike & { getDelegate?(): unknown }) | undefined = provider;
    if (p === undefined) {
      p = loadApi()?.trace.getTracerProvider();
      if (p === undefined || isNoop(p) || isNoop(p.getDelegate?.())) return undefined;
    }
    const t = p.getTracer('tenure') as Tracer;
    return (name, attributes) => t.startSpan(name, { attributes, kind: KIND_INTERNAL });
  } catch (error) {
    debug('tracing: %s', String(error));
    return undefined;
  }
}
