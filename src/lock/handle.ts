/**
 * A lock's handle: what another process needs to adopt a lock (`redlock.adopt`), as one
 * opaque, environment-safe string — `tenure1.` then base64url JSON of kind, resources, value,
 * ttl and fencing token. Knowing it is holding the lock's key: it is as secret as the lock.
 */
import { MAX_DURATION, MIN_TTL } from '../args.js';
import type { LockKind } from './kind.js';

export interface HandleData {
  readonly kind: LockKind;
  readonly resources: readonly string[];
  readonly value: string;
  /** The ttl renewals use, ms. */
  readonly ttl: number;
  readonly token: bigint | undefined;
}

const TAG = 'tenure1.';
const KINDS: readonly string[] = ['lock', 'read', 'write'];

export function encodeHandle(h: HandleData): string {
  const body = { k: h.kind, r: h.resources, v: h.value, t: h.ttl, ...(h.token === undefined ? {} : { f: h.token.toString() }) };
  return TAG + Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The handle's contents; TypeError naming `name` when it is not one. */
export function decodeHandle(name: string, handle: unknown): HandleData {
  const bad = (why: string): TypeError =>
    new TypeError(
      `Expected \`${name}\` to be a lock handle (lock.handle), got ${typeof handle === 'string' ? 'a string that ' + why : typeof handle}`,
    );
  if (typeof handle !== 'string') throw bad('');
  if (!handle.startsWith(TAG)) throw bad(`does not start with ${JSON.stringify(TAG)}`);
  let body: { k?: unknown; r?: unknown; v?: unknown; t?: unknown; f?: unknown };
  try {
    body = JSON.parse(Buffer.from(handle.slice(TAG.length), 'base64url').toString('utf8')) as typeof body;
  } catch {
    throw bad('is not valid base64url JSON');
  }
  const { k, r, v, t, f } = body;
  if (typeof k !== 'string' || !KINDS.includes(k)) throw bad('names no known kind of lock');
  if (!Array.isArray(r) || r.length === 0 || !r.every((x) => typeof x === 'string' && x !== '')) throw bad('names no resources');
  if (typeof v !== 'string' || v === '') throw bad('carries no value');
  if (typeof t !== 'number' || !Number.isInteger(t) || t < MIN_TTL || t > MAX_DURATION) throw bad('carries no valid ttl');
  if (f !== undefined && (typeof f !== 'string' || !/^\d+$/.test(f))) throw bad('carries a malformed fencing token');
  return { kind: k as LockKind, resources: r as string[], value: v, ttl: t, token: f === undefined ? undefined : BigInt(f) };
}
