/** The built package works from both module systems, through its `exports` map. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it("keeper: 'thread' runs its worker from dist/ (ESM and CommonJS): a lock renewed past its ttl", () => {
    expect(existsSync(join(projectRoot, 'dist', 'keeper-thread.js'))).toBe(true);
    const url = JSON.stringify(inject('redis1')[0]!);
    // A bounded wait on purpose: the claim is "held past its ttl", which only time passing shows.
    const body = `const r = new Redlock([${url}], { keyPrefix: 'pkg-thread-' + process.pid + ':', keeper: 'thread' });
       const lock = await r.acquire('x', { ttl: 300, autoExtend: true });
       await new Promise((resolve) => setTimeout(resolve, 700));
       console.log(lock.isHeld, await lock.release());
       await r.close();`;
    expect(node(['--input-type=module', '-e', `import { Redlock } from 'tenure';\n${body}`])).toBe('true true');
    expect(node(['-e', `const { Redlock } = require('tenure');\n(async () => { ${body} })();`])).toBe('true true');
  });

  it('works where no optional peer is installed (no @opentelemetry/api, no node-redis, no GLIDE)', () => {
    // A project of its own: tenure (the built package, copied) and its dependencies only.
    const dir = mkdtempSync(join(tmpdir(), 'tenure-peers-'));
    try {
      const modules = join(dir, 'node_modules');
      mkdirSync(join(modules, 'tenure'), { recursive: true });
      cpSync(join(projectRoot, 'dist'), join(modules, 'tenure', 'dist'), { recursive: true });
      cpSync(join(projectRoot, 'package.json'), join(modules, 'tenure', 'package.json'));
      for (const dep of ['ioredis', 'croner']) symlinkSync(join(projectRoot, 'node_modules', dep), join(modules, dep), 'dir');
      const url = JSON.stringify(inject('redis1')[0]!);
      const run = (args: string[]): string => execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 15_000 }).trim();
      const esm = run([
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         let otel = 'installed';
         try { createRequire(import.meta.url)('@opentelemetry/api'); } catch { otel = 'absent'; }
         const { Redlock } = await import('tenure');
         const r = new Redlock([${url}], { keyPrefix: 'pkg-peers:' });
         r.on('acquired', (e) => console.log('event', e.name));
         const lock = await r.acquire('x', { ttl: 1000 });
         console.log(otel, await lock.release());
         await r.close();`,
      ]);
      expect(esm).toBe('event x\nabsent true');
      const cjs = run([
        '-e',
        `const { Redlock } = require('tenure');
         const r = new Redlock([${url}], { keyPrefix: 'pkg-peers-cjs:' });
         r.acquire('x', { ttl: 1000 }).then(async (lock) => { console.log(await lock.release()); await r.close(); });`,
      ]);
      expect(cjs).toBe('true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
