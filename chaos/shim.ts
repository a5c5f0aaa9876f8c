/**
 * The fast-clock shim (chaos/clock-shim.c): compiled here, once, with the machine's C
 * compiler into .tenure-tmp/ (rebuilt when the source is newer), and the environment that
 * makes a redis-server load it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ServerEnv } from '../test/helpers/redis-server.js';

const root = path.resolve(import.meta.dirname, '..');
const source = path.join(root, 'chaos', 'clock-shim.c');
const output = path.join(root, '.tenure-tmp', 'chaos', 'clock-shim.so');

function mtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** Path of the compiled shim; compiles it when missing or older than its source. */
export function clockShim(): string {
  if (mtime(output) >= mtime(source)) return output;
  mkdirSync(path.dirname(output), { recursive: true });
  const cc = process.env['CC'] || 'cc';
  try {
    execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', output, source, '-ldl'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`compiling ${path.relative(root, source)} with ${cc} failed (set CC to another compiler?):\n${stderr}`, {
      cause: error,
    });
  }
  return output;
}

/** Environment for a redis-server whose clocks run `rate` times real time. */
export function fastClockEnv(rate: number): ServerEnv {
  return { LD_PRELOAD: clockShim(), TENURE_CLOCK_RATE: String(rate) };
}
