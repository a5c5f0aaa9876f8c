/**
 * The argument library: every validator that names the argument, the value and its type
 * (TypeError for a wrong type, RangeError for a wrong value), before any network call.
 * Option types, defaults and the resolvers of each entry point are in options/.
 */
import { unfitResource } from './keys.js';

/** A callback argument: a function, or a TypeError naming it. */
export function fnArg<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got ${show(value)}`);
  return value as F;
}

/** The longest duration Tenure accepts (the largest delay a Node.js timer supports). */
export const MAX_DURATION = 2_147_483_647;

/**
 * The shortest lock ttl: a lock's validity is its ttl less the round trip and the drift
 * (2 ms + ttl × driftFactor), so a shorter one would expire as it is taken.
 */
export const MIN_TTL = 10;

/** An integer number of milliseconds in [min, MAX_DURATION]; `fallback` when undefined. */
export function duration(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`Expected \`${name}\` to be a finite number of milliseconds, got ${show(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw new RangeError(`Expected \`${name}\` to be an integer number of milliseconds, got ${value}`);
  }
  if (value < min || value > MAX_DURATION) {
    const what =
      min === 0
        ? 'a non-negative integer number of milliseconds'
        : min === 1
          ? 'a positive integer number of milliseconds'
          : `an integer number of milliseconds from ${min}`;
    throw new RangeError(`Expected \`${name}\` to be ${what} up to ${MAX_DURATION} (about 24.8 days), got ${value}`);
  }
  return value;
}

export function stringArg(name: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new TypeError(`Expected \`${name}\` to be a string, got ${show(value)}`);
  if (!allowEmpty && value.length === 0) throw new RangeError(`Expected \`${name}\` to be a non-empty string`);
  return value;
}

export function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got ${show(value)}`);
  return value;
}

export function plainObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

export function rejectUnknown(name: string, o: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) {
      throw new TypeError(`Unknown option \`${name}.${key}\`; known options: ${[...allowed].join(', ')}`);
    }
  }
}

/** An integer in [min, max]; `fallback` when undefined. */
export function intIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new TypeError(`Expected \`${name}\` to be an integer, got ${show(value)}`);
  if (value < min || value > max) throw new RangeError(`Expected \`${name}\` to be from ${min} to ${max}, got ${value}`);
  return value;
}

export function fraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TypeError(`Expected \`${name}\` to be a finite number, got ${show(value)}`);
  if (value < 0 || value >= 0.5) throw new RangeError(`Expected \`${name}\` to be in [0, 0.5), got ${value}`);
  return value;
}

/** An object with these methods (a logger, a provider), or undefined; a TypeError naming what is missing. */
export function methods<T>(name: string, value: unknown, required: readonly string[]): T | undefined {
  if (value === undefined) return undefined;
  const missing = required.filter((m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function');
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw new TypeError(
      `Expected \`${name}\` to be an object with ${required.map((m) => `${m}()`).join(', ')}; got ${show(value)}${typeof value === 'object' && value !== null ? ` without ${missing.join(', ')}` : ''}`,
    );
  }
  return value as T;
}

/** `value (type)` for error messages. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)} (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (typeof value === 'undefined') return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/**
 * Resources: one non-empty string, or a non-empty array of distinct ones. `reserved` refuses
 * the names Tenure's own primitives use (taking a lock); reading (inspect) may name them.
 */
export function resolveResources(resource: unknown, reserved = true): readonly string[] {
  if (typeof resource === 'string' && resource.length > 0) {
    // (The usual call: one name. The same checks as below, without the set.)
    const unfit = unfitResource(resource, reserved);
    if (unfit !== undefined) throw new RangeError(`Expected \`resource\` to be usable as a lock name, got ${show(resource)}: ${unfit}`);
    return Object.freeze([resource]);
  }
  const list = Array.isArray(resource) ? (resource as unknown[]) : [resource];
  if (list.length === 0) throw new RangeError('Expected `resource` to name at least one resource, got an empty array');
  const seen = new Set<string>();
  for (const r of list) {
    if (typeof r !== 'string') throw new TypeError(`Expected \`resource\` to be a string or an array of strings, got ${show(r)}`);
    if (r.length === 0) throw new RangeError('Expected `resource` to be a non-empty string, got an empty string');
    if (seen.has(r)) throw new RangeError(`Expected \`resource\` to list distinct resources, got ${JSON.stringify(r)} twice`);
    const unfit = unfitResource(r, reserved);
    if (unfit !== undefined) throw new RangeError(`Expected \`resource\` to be usable as a lock name, got ${show(r)}: ${unfit}`);
    seen.add(r);
  }
  return Object.freeze([...seen]);
}
