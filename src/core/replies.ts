/**
 * Every script reply is decoded here, against one set of status codes. A reply of any
 * other shape is an UnexpectedReplyError — never taken as a success.
 */
import { UnexpectedReplyError } from '../errors.js';
import type { Decoded } from './ballot.js';

/** Status codes the scripts return (first element of their reply, or the reply itself). */
export const Code = Object.freeze({ No: 0, Yes: 1, Quarantined: 2, Retaken: 3 } as const);

function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return undefined;
}

/**
 * A clock the lock scripts may leave unread (acquire.lua, extend.lua: `clock` '0'): the
 * server's clock in µs, null when the reply says 0 (not read), undefined when it is no clock.
 */
function optionalTime(v: unknown): number | null | undefined {
  if (v === 0) return null;
  return serverTime(v);
}

/** The server's clock in µs, as the lock scripts return it (a positive integer). */
function serverTime(v: unknown): number | undefined {
  const t = int(v);
  return t !== undefined && t > 0 ? t : undefined;
}

/**
 * acquire.lua: {1, token or '', time} | {0, pttl, time} | {2, quarantine left, time, why}.
 * `data` is the token text, when fenced; `time` the server's clock in µs.
 */
export function decodeAcquire(reply: unknown): Decoded<string> {
  if (Array.isArray(reply) && (reply.length === 3 || reply.length === 4)) {
    const code = int(reply[0]);
    const read = optionalTime(reply[2]);
    if (read !== undefined) {
      const time = read ?? undefined;
      if (code === Code.Yes && reply.length === 3 && typeof reply[1] === 'string') {
        if (reply[1] === '') return { status: 'acquired', time };
        if (/^\d+$/.test(reply[1])) return { status: 'acquired', data: reply[1], time };
      }
      const n = int(reply[1]);
      if (code === Code.No && n !== undefined) {
        if (reply.length === 3) return { status: 'held', remaining: n, time };
        if (typeof reply[3] === 'string') return { status: 'held', remaining: n, time, data: reply[3] }; // the holder (one resource)
      }
      const why: unknown = reply[3];
      if (code === Code.Quarantined && n !== undefined && n > 0 && (why === 'marker' || why === 'uptime')) {
        return { status: 'quarantined', remaining: n, time, data: why };
      }
    }
  }
  throw new UnexpectedReplyError('acquire', reply);
}

const TAKEN: Decoded<string> = Object.freeze({ status: 'acquired' });
const EXTENDED: Decoded<never> = Object.freeze({ status: 'extended' });
const HELD: Decoded<string> = Object.freeze({ status: 'held' });

/**
 * SET NX PX (core/scripts.ts SetNx): 'OK' (taken) | null (held — by whom, and for how long,
 * it does not say: the attempt after it asks acquire.lua).
 */
export function decodeSetNx(reply: unknown): Decoded<string> {
  if (reply === 'OK') return TAKEN;
  if (reply === null) return HELD;
  throw new UnexpectedReplyError('acquire', reply);
}

const RELEASED: Decoded<never> = Object.freeze({ status: 'released' });
const NOT_HELD: Decoded<never> = Object.freeze({ status: 'not-held' });

/** release.lua: 1 (all keys deleted) | 0. */
export function decodeRelease(reply: unknown): Decoded<never> {
  if (reply === Code.Yes) return RELEASED;
  if (reply === Code.No) return NOT_HELD;
  throw new UnexpectedReplyError('release', reply);
}

/** extend.lua: {1, time} or 1 extended | {3, time} re-taken (a missing key set again) | {0, time}. */
export function decodeExtend(reply: unknown): Decoded<never> {
  if (reply === Code.Yes) return EXTENDED; // (the common case: one key held, no clock read)
  if (Array.isArray(reply) && reply.length === 2) {
    const code = int(reply[0]);
    const read = optionalTime(reply[1]);
    if (read !== undefined) {
      const time = read ?? undefined;
      if (code === Code.Yes) return { status: 'extended', time };
      if (code === Code.Retaken) return { status: 'retaken', time };
      if (code === Code.No) return { status: 'not-held', time };
    }
  }
  throw new UnexpectedReplyError('extend', reply);
}

/**
 * extend-batch.lua: {time, code_1, ..., code_m}, codes as extend.lua's, one per lease of the
 * batch (`leases`: m; a reply with more or fewer is unknown). Status `extended` when every
 * lease was extended here (the common case), else `not-held`; `data` has every code.
 */
export function decodeBatch(reply: unknown, leases: number): Decoded<readonly number[]> {
  if (Array.isArray(reply) && reply.length === leases + 1) {
    const time = serverTime(reply[0]);
    let all = true;
    let known = time !== undefined;
    // One pass, once per server and batch: a code per lease.
    for (let i = 1; known && i < reply.length; i++) {
      const code: unknown = reply[i];
      if (code === Code.Yes) continue;
      all = false;
      known = code === Code.No || code === Code.Retaken;
    }
    if (known) return { status: all ? 'extended' : 'not-held', time, data: reply.slice(1) as number[] };
  }
  throw new UnexpectedReplyError('extend-batch', reply);
}

/** fence.lua: {1, token} | {0, ''}. */
export function decodeFence(reply: unknown): Decoded<string> {
  if (Array.isArray(reply) && reply.length === 2) {
    const code = int(reply[0]);
    if (code === Code.Yes && typeof reply[1] === 'string' && /^\d+$/.test(reply[1])) return { status: 'fenced', data: reply[1] };
    if (code === Code.No && reply[1] === '') return { status: 'not-held' };
  }
  throw new UnexpectedReplyError('fence', reply);
}

/** What inspect.lua saw on one instance. */
export interface Seen {
  readonly value: string | null;
  readonly pttl: number;
  readonly counter: bigint | null;
}

/** inspect.lua: {value or '', pttl, counter or ''}. */
export function decodeInspect(reply: unknown): Decoded<Seen> {
  if (Array.isArray(reply) && reply.length === 3) {
    const [value, pttl, counter] = reply as unknown[];
    if (typeof value === 'string' && int(pttl) !== undefined && typeof counter === 'string' && /^\d*$/.test(counter)) {
      const seen: Seen = { value: value === '' ? null : value, pttl: pttl as number, counter: counter === '' ? null : BigInt(counter) };
      return { status: value === '' ? 'not-held' : 'held', remaining: seen.value === null ? undefined : (pttl as number), data: seen };
    }
  }
  throw new UnexpectedReplyError('inspect', reply);
}

const MARKED: Decoded<never> = Object.freeze({ status: 'marked' });

/** mark.lua: 1 | 0 (the lock does not hold the run's value here). mark-fresh.lua: 1. */
export function decodeMark(reply: unknown): Decoded<never> {
  if (reply === Code.Yes) return MARKED;
  if (reply === Code.No) return NOT_HELD;
  throw new UnexpectedReplyError('mark', reply);
}

/** read-mark.lua: {1, mark} | 0. `data` is the mark (0 when there is none). */
export function decodeReadMark(reply: unknown): Decoded<number> {
  if (reply === Code.No) return { status: 'read', data: 0 };
  if (Array.isArray(reply) && reply.length === 2 && int(reply[0]) === Code.Yes && typeof reply[1] === 'string' && /^\d+$/.test(reply[1])) {
    return { status: 'read', data: Number(reply[1]) };
  }
  throw new UnexpectedReplyError('read-mark', reply);
}

const CLAIMED: Decoded<string> = Object.freeze({ status: 'claimed' });

/** seq-claim.lua: 1 | {0, counter}. `data` is the counter, when refused. */
export function decodeClaim(reply: unknown): Decoded<string> {
  if (reply === Code.Yes) return CLAIMED;
  if (Array.isArray(reply) && reply.length === 2 && int(reply[0]) === Code.No && typeof reply[1] === 'string' && /^\d+$/.test(reply[1])) {
    return { status: 'behind', data: reply[1] };
  }
  throw new UnexpectedReplyError('seq-claim', reply);
}

/** seq-incr.lua: the new value as text. */
export function decodeIncr(reply: unknown): Decoded<string> {
  if (typeof reply === 'string' && /^\d+$/.test(reply)) return { status: 'claimed', data: reply };
  throw new UnexpectedReplyError('seq-incr', reply);
}

export interface WindowReply {
  readonly allowed: boolean;
  readonly count: number;
  readonly resetMs: number;
}

/** window-add.lua: {allowed, count, ms left in the window}. */
export function decodeWindow(reply: unknown): Decoded<WindowReply> {
  if (Array.isArray(reply) && reply.length === 3) {
    const [allowed, count, left] = reply.map(int);
    if ((allowed === 0 || allowed === 1) && count !== undefined && left !== undefined) {
      return { status: allowed === 1 ? 'counted' : 'refused', data: { allowed: allowed === 1, count, resetMs: left } };
    }
  }
  throw new UnexpectedReplyError('window-add', reply);
}

/** What sem-pick.lua took on one server: its positions in the client's order, and the token. */
export interface Picked {
  readonly slots: readonly number[];
  readonly token: string;
}

/**
 * sem-pick.lua: {1, token or '', time, 'i,j,...'} | {0, ms, time} | {2, left, time, why}.
 * `data` is what was taken (positions are 1-based, as the script's KEYS).
 */
export function decodePick(reply: unknown): Decoded<Picked> {
  if (Array.isArray(reply) && reply.length === 4 && int(reply[0]) === Code.Yes) {
    const [, token, time, list] = reply as unknown[];
    const t = serverTime(time);
    if (t !== undefined && typeof token === 'string' && /^\d*$/.test(token) && typeof list === 'string' && /^\d+(,\d+)*$/.test(list)) {
      return { status: 'acquired', time: t, data: { token, slots: list.split(',').map(Number) } };
    }
  }
  if (Array.isArray(reply) && int(reply[0]) !== Code.Yes) {
    const { status, remaining, time } = decodeAcquire(reply);
    if (status !== 'acquired') return { status, remaining, time };
  }
  throw new UnexpectedReplyError('sem-pick', reply);
}

/** What force-release.lua deleted on one server: the lock's value ('' for none), and readers. */
export interface Forced {
  readonly value: string;
  readonly readers: number;
}

/** force-release.lua: {value | '', readers}. `released` when it deleted anything. */
export function decodeForceRelease(reply: unknown): Decoded<Forced> {
  if (Array.isArray(reply) && reply.length === 2) {
    const [value, readers] = reply as unknown[];
    const n = int(readers);
    if (typeof value === 'string' && n !== undefined && n >= 0) {
      return { status: value === '' && n === 0 ? 'not-held' : 'released', data: { value, readers: n } };
    }
  }
  throw new UnexpectedReplyError('force-release', reply);
}

export interface FencedWrite {
  /** Whether the write was applied. */
  readonly accepted: boolean;
  /** The highest token for the key now (the writer's own when accepted). */
  readonly highest: bigint;
}

/** fenced-set.lua: {1, token} written | {0, highest} refused as stale. (No ballot: one client.) */
export function decodeFencedSet(reply: unknown): FencedWrite {
  if (Array.isArray(reply) && reply.length === 2 && (reply[0] === Code.No || reply[0] === Code.Yes)) {
    const highest: unknown = reply[1];
    if (typeof highest === 'string' && /^\d+$/.test(highest)) return { accepted: reply[0] === Code.Yes, highest: BigInt(highest) };
  }
  throw new UnexpectedReplyError('fenced-set', reply);
}

/** fenced-get.lua: {value, token} | {} (no such key: null). */
export function decodeFencedGet(reply: unknown): { value: string; token: bigint } | null {
  if (Array.isArray(reply) && reply.length === 0) return null;
  if (Array.isArray(reply) && reply.length === 2) {
    const [value, token] = reply as unknown[];
    if (typeof value === 'string' && typeof token === 'string' && /^\d+$/.test(token)) return { value, token: BigInt(token) };
  }
  throw new UnexpectedReplyError('fenced-get', reply);
}
