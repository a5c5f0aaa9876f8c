/** Child processes run the built package (dist/); globalSetup builds it when src/ is newer. */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureBuilt(): void {
  let built: number;
  try {
    built = Math.min(...['index.js', 'index.cjs', 'cli.js'].map((f) => statSync(join(root, 'dist', f)).mtimeMs));
  } catch {
    built = 0;
  }
  if (built >= newest(join(root, 'src'))) return;
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`building dist/ failed:\n${e.stderr?.toString() ?? ''}${e.stdout?.toString().slice(-2_000) ?? ''}`, { cause: error });
  }
}

export const distEntry = join(root, 'dist', 'index.js');
/** The built `tenure` command line. */
export const cliEntry = join(root, 'dist', 'cli.js');
export const projectRoot = root;
