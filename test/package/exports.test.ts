/** The built package works from both module systems, through its `exports` map. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../helpers/build.js';

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: projectRoot, encoding: 'utf8', timeout: 15_000 }).trim();
}

describe('package', () => {
  it('ships ESM, CommonJS and a declaration file for each', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) expect(existsSync(join(projectRoot, 'dist', f))).toBe(true);
  });

  it('import works (ESM) and takes a lock on a real server', () => {
    const url = inject('redis1')[0]!;
    const out = node([
      '--input-type=module',
      '-e',
      `import { Redlock, LockTimeoutError, QuorumError, LockLostError, LockError } from 'tenure';
       const r = new Redlock([${JSON.stringify(url)}], { keyPrefix: 'pkg-esm:' });
       const lock = await r.acquire('x', { ttl: 1000 });
       console.log(typeof LockTimeoutError, typeof QuorumError, typeof LockLostError, typeof LockError, lock.isHeld, await lock.release());
       await r.close();`,
    ]);
    expect(out).toBe('function function function function true true');
  });

  it('require works (CommonJS) and takes a lock on a real server', () => {
    const url = inject('redis1')[0]!;
    const out = node([
      '-e',
      `const { Redlock } = require('tenure');
       const r = new Redlock([${JSON.stringify(url)}], { keyPrefix: 'pkg-cjs:' });
       r.acquire('x', { ttl: 1000 }).then(async (lock) => { console.log(lock.isHeld, await lock.release()); await r.close(); });`,
    ]);
    expect(out).toBe('true true');
  });
});
