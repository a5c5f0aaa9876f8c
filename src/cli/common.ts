/**
 * What every `tenure` command shares: exit codes, the one-line error, durations and
 * endpoints from the command line. The CLI owns all output; the library never prints.
 */
import { InvalidArgumentError } from 'commander';
import { debuglog } from 'node:util';

export const debug = debuglog('tenure');

/** Exit codes (sysexits.h where one fits). A child's own code passes through `run`. */
export const EXIT = Object.freeze({
  ok: 0,
  /** Bad arguments: an unknown option, a bad duration or URL. */
  usage: 64,
  /** Redis unreachable: fewer than a quorum of servers answered. */
  unavailable: 69,
  /** A bug: an error the CLI did not expect. */
  software: 70,
  /** `run`: the lock could not be acquired within --wait. */
  tempfail: 75,
  /** `run`: the lock was lost while the command ran; the command was stopped. */
  lost: 76,
  /** `run` / `leader`: the command could not be executed (permission denied). */
  cannotExecute: 126,
  /** `run` / `leader`: the command was not found. */
  notFound: 127,
});

/** An error the CLI reports as one line and a given exit code. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Writes `tenure <command>: message` to stderr: one line, never a stack trace. */
export function say(command: string, message: string): void {
  process.stderr.write(`tenure ${command}: ${oneLine(message)}\n`);
}

/** The exit code for an error, after reporting it in one line (details with NODE_DEBUG=tenure). */
export function report(command: string, error: unknown): number {
  if (error instanceof CliError) {
    say(command, error.message);
    if (error.cause instanceof Error) debug('%s', error.cause.stack ?? error.cause.message);
    return error.exitCode;
  }
  // TypeError / RangeError from the library: a bad argument that got past our own checks.
  const usage = error instanceof TypeError || error instanceof RangeError;
  say(command, error instanceof Error ? error.message : String(error));
  debug('%s', error instanceof Error ? (error.stack ?? error.message) : String(error));
  return usage ? EXIT.usage : EXIT.software;
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_DURATION = 2_147_483_647;

/**
 * `10` (seconds, as in flock, timeout(1) and sleep(1)), `0.5`, `500ms`, `1.5s`, `2m`, `1h`
 * → integer milliseconds (rounded). Throws commander's InvalidArgumentError, which
 * commander reports naming the option and the value.
 */
export function parseDuration(text: string, min = 0): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError('Expected a duration like 10 (seconds), 0.5, 500ms, 2m or 1h.');
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
  if (ms < min || ms > MAX_DURATION) {
    throw new InvalidArgumentError(`Expected ${min === 0 ? 'at least 0' : `at least ${min} ms`} and at most ${MAX_DURATION} ms.`);
  }
  return ms;
}

/** A positive duration (a ttl). */
export const positiveDuration = (text: string): number => parseDuration(text, 1);
/** A duration that may be 0 (a grace time). */
export const anyDuration = (text: string): number => parseDuration(text, 0);

const FOREVER = new Set(['forever', 'inf', 'infinity']);

/** A wait: a duration, or `forever` / `inf` / `infinity` (Infinity: no limit). */
export function parseWait(text: string): number {
  if (FOREVER.has(text.trim().toLowerCase())) return Infinity;
  try {
    return parseDuration(text, 0);
  } catch {
    throw new InvalidArgumentError('Expected a duration like 10 (seconds), 0.5, 500ms or 2m, or "forever".');
  }
}

export function positiveInt(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1000)
    throw new InvalidArgumentError('Expected a whole number from 1 to 1000.');
  return Number(text);
}

/** An exit status, 0 to 255. */
export function exitStatus(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 255) throw new InvalidArgumentError('Expected an exit status from 0 to 255.');
  return Number(text);
}

/** Milliseconds as people read them: `850 ms`, `4.2 s`, `3 m 20 s`. */
export function human(ms: number): string {
  if (ms === Infinity) return 'no limit';
  if (ms < 0) return 'no expiry';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export { pause as sleep } from '../core/sleep.js';
