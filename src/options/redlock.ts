/**
 * The options of `new Redlock()`, checked and completed once, when the Redlock is made: a
 * wrong value throws there, naming the option, rather than at the first lock. What comes
 * out (`ResolvedOptions`) is frozen and complete, so every primitive reads a value without
 * asking whether the caller gave one; missing values come from `DEFAULTS` in defaults.ts.
 * The relations between options (replicaSync below commandTimeout; a clock or a maxStall
 * only with the right keeper) are checked here too.
 */
import { bool, duration, fnArg, fraction, intIn, methods, plainObject, rejectUnknown, show, stringArg } from '../args.js';
import { monotonic, type Clock } from '../core/monotonic.js';
import type { MeterProviderLike, TracerProviderLike } from '../core/otel.js';
import { defaultMetricName, type Logger } from '../core/telemetry.js';
import { unfitPrefix } from '../keys.js';
import { DEFAULTS, defaultOwner } from './defaults.js';
import { HEARTBEAT } from './limits.js';
import type { RedlockOptions } from './types.js';

export interface ResolvedOptions {
  readonly keyPrefix: string;
  readonly driftFactor: number;
  readonly retryDelay: number;
  readonly retryJitter: number;
  readonly commandTimeout: number;
  readonly wait: number;
  readonly owner: string;
  readonly fence: boolean;
  readonly autoPipelining: boolean;
  readonly replicaSync: number;
  readonly restartQuarantine: number;
  readonly strict: boolean;
  readonly renewBatch: number;
  readonly keeper: 'main' | 'thread';
  /** undefined: THREAD_KEEPER_DEFAULTS.maxStall of each lease's ttl. */
  readonly maxStall: number | undefined;
  readonly clock: Clock;
  readonly meterProvider: MeterProviderLike | undefined;
  readonly tracerProvider: TracerProviderLike | undefined;
  readonly metricName: (resources: readonly string[]) => string;
  readonly logger: Logger | undefined;
}

const REDLOCK_KEYS = new Set([
  'keyPrefix',
  'driftFactor',
  'retryDelay',
  'retryJitter',
  'commandTimeout',
  'wait',
  'owner',
  'fence',
  'autoPipelining',
  'replicaSync',
  'restartQuarantine',
  'strict',
  'renewBatch',
  'keeper',
  'maxStall',
  'clock',
  'meterProvider',
  'tracerProvider',
  'metricName',
  'logger',
]);

export function resolveRedlockOptions(options: RedlockOptions | undefined): ResolvedOptions {
  const o = plainObject('options', options ?? {});
  rejectUnknown('options', o, REDLOCK_KEYS);
  const keyPrefix = keyPrefixArg(o.keyPrefix);
  const owner = o.owner === undefined ? defaultOwner() : stringArg('options.owner', o.owner, false);
  const driftFactor = o.driftFactor === undefined ? DEFAULTS.driftFactor : fraction('options.driftFactor', o.driftFactor);
  const clock = o.clock === undefined ? monotonic : clockArg(o.clock);
  const { keeper, maxStall } = keeperArgs(o);
  return Object.freeze({
    keyPrefix,
    owner,
    driftFactor,
    clock,
    retryDelay: duration('options.retryDelay', o.retryDelay, DEFAULTS.retryDelay, 0),
    retryJitter: duration('options.retryJitter', o.retryJitter, DEFAULTS.retryJitter, 0),
    commandTimeout: duration('options.commandTimeout', o.commandTimeout, DEFAULTS.commandTimeout, 1),
    wait: duration('options.wait', o.wait, DEFAULTS.wait, 0),
    fence: bool('options.fence', o.fence, DEFAULTS.fence),
    autoPipelining: bool('options.autoPipelining', o.autoPipelining, DEFAULTS.autoPipelining),
    replicaSync: replicaSyncArg(o.replicaSync, o.commandTimeout),
    restartQuarantine: duration('options.restartQuarantine', o.restartQuarantine, DEFAULTS.restartQuarantine, 0),
    strict: bool('options.strict', o.strict, DEFAULTS.strict),
    renewBatch: intIn('options.renewBatch', o.renewBatch, DEFAULTS.renewBatch, 1, 1000),
    keeper,
    maxStall,
    meterProvider: methods<MeterProviderLike>('options.meterProvider', o.meterProvider, ['getMeter']),
    tracerProvider: methods<TracerProviderLike>('options.tracerProvider', o.tracerProvider, ['getTracer']),
    metricName:
      o.metricName === undefined ? defaultMetricName : fnArg<(r: readonly string[]) => string>('options.metricName', o.metricName),
    logger: methods<Logger>('options.logger', o.logger, ['debug', 'info', 'warn', 'error']),
  });
}

/** The `keyPrefix` option: a string that keeps a lock's keys in one Cluster slot. */
function keyPrefixArg(value: unknown): string {
  const keyPrefix = value === undefined ? DEFAULTS.keyPrefix : stringArg('options.keyPrefix', value, true);
  const unfit = unfitPrefix(keyPrefix);
  if (unfit !== undefined)
    throw new RangeError(`Expected \`options.keyPrefix\` to keep a lock's keys in one Cluster slot, got ${show(keyPrefix)}: ${unfit}`);
  return keyPrefix;
}

/** `keeper` and `maxStall`, and what the thread keeper refuses (an injected clock). */
function keeperArgs(o: Record<string, unknown>): { keeper: 'main' | 'thread'; maxStall: number | undefined } {
  const keeper = keeperArg(o.keeper);
  if (keeper === 'thread' && o.clock !== undefined) {
    throw new TypeError(
      "Expected no `options.clock` with `options.keeper: 'thread'`: the keeper thread shares validity on performance.now()'s time base",
    );
  }
  if (keeper !== 'thread' && o.maxStall !== undefined) {
    throw new TypeError(
      `Expected \`options.maxStall\` only with \`options.keeper: 'thread'\`, got ${show(o.maxStall)} with keeper ${show(keeper)}`,
    );
  }
  const maxStall = o.maxStall === undefined ? undefined : duration('options.maxStall', o.maxStall, 0, 4 * HEARTBEAT);
  return { keeper, maxStall };
}

/** The `keeper` option: 'main' or 'thread'. */
function keeperArg(value: unknown): 'main' | 'thread' {
  if (value === undefined) return DEFAULTS.keeper;
  if (value !== 'main' && value !== 'thread') {
    throw new TypeError(`Expected \`options.keeper\` to be 'main' or 'thread', got ${show(value)}`);
  }
  return value;
}

function replicaSyncArg(value: unknown, commandTimeout: unknown): number {
  const ms = duration('options.replicaSync', value, DEFAULTS.replicaSync, 0);
  const timeout = typeof commandTimeout === 'number' ? commandTimeout : DEFAULTS.commandTimeout;
  if (ms > 0 && ms >= timeout) {
    throw new RangeError(
      `Expected \`options.replicaSync\` (${ms} ms) below \`options.commandTimeout\` (${timeout} ms): the replica's acknowledgement must fit in one command's time`,
    );
  }
  return ms;
}

function clockArg(value: unknown): Clock {
  if (typeof value !== 'object' || value === null || typeof (value as Clock).now !== 'function') {
    throw new TypeError(`Expected \`options.clock\` to be an object with a now() method, got ${show(value)}`);
  }
  return value as Clock;
}
