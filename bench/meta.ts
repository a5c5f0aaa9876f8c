/**
 * Where a run's numbers came from, recorded with them (latest.json's `meta`, the tables'
 * header): the versions of everything measured, the settings and durations, the machine,
 * and which Tenure ran — the bundle or src/, at which commit, with uncommitted changes or
 * not — so that two results files can be told apart long after the run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { redisServerBinary } from '../test/helpers/redis-server.js';
import type { TenureSource } from './adapters.js';
import { CONTENTION, DURATIONS, LOOPS, QUICK, SETTINGS, SLOW_MS } from './config.js';
import type { Meta } from './results-types.js';

const root = path.resolve(import.meta.dirname, '..');

function readVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function gitDescribe(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} + uncommitted src/ changes` : head;
  } catch {
    return 'unknown';
  }
}

/** Whether some file under src/ is newer than the bundle. */
export function distIsStale(): boolean {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
      const p = path.join(dir, e.name);
      return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  try {
    return newest(path.join(root, 'src')) > statSync(path.join(root, 'dist', 'index.js')).mtimeMs;
  } catch {
    return true;
  }
}

function redisVersion(): string {
  try {
    const out = execFileSync(redisServerBinary(), ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    return '?';
  }
}

/** The run's meta, as of now (`elapsedSeconds` is set at the end of the run). */
export function runMeta(source: TenureSource): Meta {
  return {
    date: new Date().toISOString(),
    quick: QUICK,
    node: process.version,
    redis: redisVersion(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? '?',
    versions: {
      tenure: readVersion('..'),
      'redlock (5)': readVersion('redlock5'),
      'redlock (4)': readVersion('redlock4'),
      'redis-semaphore': readVersion('redis-semaphore'),
      ioredis: readVersion('ioredis'),
    },
    settings: {
      ...SETTINGS,
      loops: LOOPS,
      workers: CONTENTION.workers,
      processes: CONTENTION.processes,
      csMs: CONTENTION.csMs,
      slowMs: SLOW_MS,
    },
    durations: DURATIONS,
    tenureSource: source,
    git: gitDescribe(),
  };
}
