/**
 * What a Redlock tells the world about its locks: events (`acquired`, `released`, `lost`,
 * `contended`, `serverError`), a `logger` (any object with debug/info/warn/error: pino,
 * winston, console), `NODE_DEBUG=tenure`, and OpenTelemetry metrics and spans (core/otel.ts).
 *
 * One hook per event, called from one place each (lock/acquire.ts, lock/lock.ts,
 * core/fan-out.ts, election/election.ts). When nothing is configured and nobody listens,
 * `active` is false and the hooks are not called: the hot path allocates nothing for them.
 * Nothing in here reaches the caller: a failing meter, tracer or logger is ignored (and
 * reported by NODE_DEBUG=tenure); a throwing event listener is rethrown on the next tick, as
 * an uncaught error of its own, like the election's events (core/events.ts).
 *
 * `tenure.lock.name` must stay low-cardinality: it is `metricName(resources)`, by default
 * the first segment of the resource (up to `:`, `/`, `.`, `#`, `{` or a space) when that
 * segment has no digit, else `other` — so `account:7` is `account`, and `user-1234` or a
 * uuid is `other`, never a label of its own.
 */
import type { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
import { ServerError, type InstanceOutcome, type LockLostError } from '../errors.js';
import type { Clock } from './monotonic.js';
import type { LockLike, Logger, Outcome, TelemetryEvents } from './telemetry-events.js';
import type { ServerSuspect, ServerTrusted } from './monitor.js';
import {
  STATUS_ERROR,
  instruments,
  tracer,
  type Attributes,
  type Instruments,
  type MeterProviderLike,
  type SpanLike,
  type TracerProviderLike,
} from './otel.js';

export type {
  AcquiredEvent,
  ContendedEvent,
  LockLike,
  Logger,
  LostEvent,
  Outcome,
  ReleasedEvent,
  ServerErrorEvent,
  TelemetryEvents,
} from './telemetry-events.js';

const debug = debuglog('tenure');

export interface TelemetryOptions {
  readonly meterProvider: MeterProviderLike | undefined;
  readonly tracerProvider: TracerProviderLike | undefined;
  readonly metricName: (resources: readonly string[]) => string;
  readonly logger: Logger | undefined;
  readonly clock: Clock;
}

const EVENTS = ['acquired', 'released', 'lost', 'contended', 'serverError'] as const;

/** The default `metricName`: see the module doc. */
export function defaultMetricName(resources: readonly string[]): string {
  const names = new Set<string>();
  for (const r of resources) {
    const head = /^[^:/.#{\s]*/.exec(r)![0];
    names.add(head !== '' && head.length <= 64 && !/\d/.test(head) ? head : 'other');
  }
  return [...names].sort().join(',');
}

export class Telemetry {
  /** Whether any hook has somewhere to go (metrics, spans, a logger, NODE_DEBUG, a listener). */
  active = false;
  readonly #events: EventEmitter;
  readonly #o: TelemetryOptions;
  readonly #metrics: Instruments | undefined;
  readonly #span: ((name: string, a: Attributes) => SpanLike) | undefined;
  /** When each lock the hooks saw acquired was acquired (monotonic ms). */
  readonly #since = new WeakMap<LockLike, number>();
  readonly #attrs = new Map<string, Attributes>();

  constructor(events: EventEmitter, options: TelemetryOptions) {
    this.#events = events;
    this.#o = options;
    this.#metrics = instruments(options.meterProvider);
    this.#span = tracer(options.tracerProvider);
    this.refresh();
  }

  /** Whether acquisitions get a span. */
  get tracing(): boolean {
    return this.#span !== undefined;
  }

  /** Listeners came or went (Redlock.on / off). */
  refresh(): void {
    const listened = EVENTS.some((e) => this.#events.listenerCount(e) > 0);
    this.active = listened || this.#metrics !== undefined || this.#span !== undefined || this.#o.logger !== undefined || debug.enabled;
  }

  /** The span of one acquisition, when tracing. */
  startSpan(resources: readonly string[]): SpanLike | undefined {
    return this.#safe(() =>
      this.#span?.('tenure.lock.acquire', { 'tenure.lock.name': this.#name(resources), 'tenure.lock.resources': resources.length }),
    );
  }

  acquired(lock: LockLike, started: number, attempts: number, span: SpanLike | undefined): void {
    this.#safe(() => {
      const now = this.#o.clock.now();
      const name = this.#name(lock.resources);
      this.#since.set(lock, now);
      this.#metrics?.acquireDuration.record((now - started) / 1000, this.#attributes(name, 'tenure.outcome', 'acquired'));
      this.#metrics?.held.add(1, this.#attributes(name));
      this.#endSpan(span, 'acquired', now - started, attempts, undefined);
      this.#log('debug', `acquired ${list(lock.resources)} in ${ms(now - started)} (${attempts} attempts)`, { name, attempts });
      this.#emit('acquired', { resources: lock.resources, name, lock, duration: now - started, attempts });
    });
  }

  /** An acquisition that ended without the lock (a tryAcquire that found it held: `timeout`). */
  failed(
    resources: readonly string[],
    started: number,
    attempts: number,
    outcome: Exclude<Outcome, 'acquired'>,
    error: unknown,
    span: SpanLike | undefined,
  ): void {
    this.#safe(() => {
      const elapsed = this.#o.clock.now() - started;
      const name = this.#name(resources);
      this.#metrics?.acquireDuration.record(elapsed / 1000, this.#attributes(name, 'tenure.outcome', outcome));
      this.#endSpan(span, outcome, elapsed, attempts, error);
      const level = outcome === 'error' ? 'warn' : 'debug';
      this.#log(
        level,
        `did not acquire ${list(resources)} (${outcome}) after ${ms(elapsed)}${error instanceof Error ? `: ${error.message}` : ''}`,
        {
          name,
          outcome,
        },
      );
    });
  }

  contended(resources: readonly string[], attempt: number, outcomes: readonly InstanceOutcome[]): void {
    this.#safe(() => {
      const name = this.#name(resources);
      this.#metrics?.contended.add(1, this.#attributes(name));
      this.#log('debug', `${list(resources)} is held by another (attempt ${attempt})`, { name, attempt });
      this.#emit('contended', { resources, name, attempt, outcomes });
    });
  }

  /** A caller started (+1) or stopped (−1) waiting for a lock. */
  waiting(resources: readonly string[], delta: 1 | -1): void {
    this.#safe(() => this.#metrics?.waiting.add(delta, this.#attributes(this.#name(resources))));
  }

  released(lock: LockLike): void {
    this.#end(lock, undefined, undefined);
  }

  lost(lock: LockLike, reason: 'expired' | 'taken', error: LockLostError): void {
    this.#end(lock, reason, error);
  }

  /** A command a server failed (bound: handed to every fan-out as is). */
  readonly serverError = (server: string, error: Error): void => {
    this.#safe(() => {
      const type = errorType(error);
      this.#metrics?.serverErrors.add(1, { 'server.address': server, 'error.type': type });
      this.#log('warn', `${server}: ${error.message}`, { server, type });
      this.#emit('serverError', { server, error, type });
    });
  };

  /** This process started (true) or stopped (false) leading the election `name`. */
  leader(name: string, leading: boolean): void {
    if (!this.active) return;
    this.#safe(() => {
      this.#metrics?.leader.record(leading ? 1 : 0, { 'tenure.election.name': name });
      this.#metrics?.transitions.add(1, { 'tenure.election.name': name, 'tenure.election.transition': leading ? 'elected' : 'demoted' });
      this.#log('info', `${leading ? 'elected leader of' : 'no longer leads'} ${JSON.stringify(name)}`, { election: name });
    });
  }

  /** A server suspect or trusted again (core/monitor.ts): to the logger. */
  server(event: 'serverSuspect' | 'serverTrusted', detail: ServerSuspect | ServerTrusted): void {
    if (this.#o.logger === undefined && !debug.enabled) return;
    const text = 'message' in detail ? detail.message : `tenure: ${detail.server}: trusted again (${detail.reason})`;
    this.#safe(() => this.#log(event === 'serverSuspect' ? 'warn' : 'info', text.replace(/^tenure: /, ''), { ...detail }));
  }

  #end(lock: LockLike, reason: 'expired' | 'taken' | undefined, error: LockLostError | undefined): void {
    const since = this.#since.get(lock);
    if (since === undefined) return; // acquired while nothing listened
    this.#since.delete(lock);
    this.#safe(() => {
      const held = this.#o.clock.now() - since;
      const name = this.#name(lock.resources);
      const end = reason === undefined ? 'released' : 'lost';
      this.#metrics?.holdDuration.record(held / 1000, this.#attributes(name, 'tenure.lock.end', end));
      this.#metrics?.held.add(-1, this.#attributes(name));
      if (reason === undefined) {
        this.#log('debug', `released ${list(lock.resources)} after ${ms(held)}`, { name });
        this.#emit('released', { resources: lock.resources, name, held });
        return;
      }
      this.#metrics?.lost.add(1, this.#attributes(name, 'tenure.lock.reason', reason));
      this.#log('warn', `lost ${list(lock.resources)} after ${ms(held)} (${reason}): ${error!.message}`, { name, reason });
      this.#emit('lost', { resources: lock.resources, name, held, reason, error: error! });
    });
  }

  #endSpan(span: SpanLike | undefined, outcome: Outcome, elapsed: number, attempts: number, error: unknown): void {
    if (span === undefined) return;
    span.setAttribute('tenure.outcome', outcome);
    span.setAttribute('tenure.lock.wait', elapsed / 1000);
    span.setAttribute('tenure.lock.attempts', attempts);
    if (outcome === 'error' && error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: STATUS_ERROR, message: error.message });
    }
    span.end();
  }

  #name(resources: readonly string[]): string {
    return this.#o.metricName(resources);
  }

  /** Attribute sets, one object per name and value (low cardinality: a small map). */
  #attributes(name: string, key?: string, value?: string): Attributes {
    const id = key === undefined ? name : `${name}\u0000${key}\u0000${value}`;
    let attrs = this.#attrs.get(id);
    if (attrs === undefined) {
      attrs = key === undefined ? { 'tenure.lock.name': name } : { 'tenure.lock.name': name, [key]: value! };
      if (this.#attrs.size < 10_000) this.#attrs.set(id, attrs);
    }
    return attrs;
  }

  #emit<K extends keyof TelemetryEvents>(event: K, ...args: TelemetryEvents[K]): void {
    if (this.#events.listenerCount(event) === 0) return;
    try {
      this.#events.emit(event, ...args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  #log(level: keyof Logger, message: string, fields: object): void {
    debug('%s', message);
    const logger = this.#o.logger;
    if (logger === undefined) return;
    try {
      logger[level](`tenure: ${message}`, fields);
    } catch (error) {
      debug('logger: %s', String(error));
    }
  }

  #safe<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      debug('telemetry: %s', String(error));
      return undefined;
    }
  }
}

function list(resources: readonly string[]): string {
  return resources.map((r) => JSON.stringify(r)).join(', ');
}

function ms(n: number): string {
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
}

/** `error.type`: a Redis error's code (its first word), a TenureError's code, else its name. */
function errorType(error: Error): string {
  // A Redis reply (ServerError): its error code, the message's first word (WRONGTYPE, OOM, NOPERM).
  if (error instanceof ServerError || error.name === 'ReplyError') return /^[A-Z]+\b/.exec(error.message)?.[0] ?? 'ReplyError';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
