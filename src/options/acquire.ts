/**
 * The options of tryAcquire, acquire and using, checked on every call before any network
 * call. A call that leaves out `fence`, `wait`, `retryDelay` or `retryJitter` takes the
 * Redlock's; the ttl is required (a silent default ttl would hide how long a crashed holder
 * blocks everyone). Each entry point refuses the keys it does not take: `using` always
 * auto-extends, and `tryAcquire` never waits.
 */
import { MIN_TTL, bool, duration, plainObject, rejectUnknown, show } from '../args.js';
import { ACQUIRE_DEFAULTS } from './defaults.js';
import { withinQuarantine, withinStall } from './limits.js';
import type { ResolvedOptions } from './redlock.js';

export interface ResolvedAcquire {
  readonly ttl: number;
  readonly fence: boolean;
  readonly autoExtend: boolean;
  readonly wait: number;
  readonly retryDelay: number;
  readonly retryJitter: number;
  readonly signal: AbortSignal | undefined;
}

const TRY_KEYS = new Set(['ttl', 'fence', 'autoExtend']);
const ACQUIRE_KEYS = new Set([...TRY_KEYS, 'wait', 'retryDelay', 'retryJitter', 'signal']);
const USING_KEYS = new Set([...ACQUIRE_KEYS].filter((k) => k !== 'autoExtend'));

/** Validates the options of tryAcquire (`kind: 'try'`), acquire or using. */
export function resolveAcquireOptions(kind: 'try' | 'acquire' | 'using', options: unknown, base: ResolvedOptions): ResolvedAcquire {
  if (options === undefined) throw new TypeError('Expected `options` with a `ttl` (ms): the ttl is required, got undefined');
  const o = plainObject('options', options);
  rejectUnknown('options', o, kind === 'try' ? TRY_KEYS : kind === 'acquire' ? ACQUIRE_KEYS : USING_KEYS);
  if (o.ttl === undefined) throw new TypeError('Expected `options.ttl` (ms): the ttl is required, got undefined');
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`options.signal\` to be an AbortSignal, got ${show(signal)}`);
  }
  const autoExtend = kind === 'using' ? true : bool('options.autoExtend', o.autoExtend, ACQUIRE_DEFAULTS.autoExtend);
  const ttl = withinQuarantine('options.ttl', duration('options.ttl', o.ttl, 0, MIN_TTL), base);
  if (autoExtend) withinStall('options.ttl', ttl, base);
  return {
    ttl,
    fence: bool('options.fence', o.fence, base.fence),
    autoExtend,
    wait: kind === 'try' ? 0 : duration('options.wait', o.wait, base.wait, 0),
    retryDelay: duration('options.retryDelay', o.retryDelay, base.retryDelay, 0),
    retryJitter: duration('options.retryJitter', o.retryJitter, base.retryJitter, 0),
    signal,
  };
}
