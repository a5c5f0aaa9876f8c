/** Runs the built `tenure` command line (dist/cli.js) as a child process, the way people do. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { cliEntry, projectRoot } from './build.js';
import { defer } from './tenure.js';

export interface Exit {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when it has exited. */
  readonly exit: Promise<Exit>;
}

/** Starts `tenure ...args`; killed (SIGKILL) after the test if still running. TENURE_REDIS comes only from `env`. */
export function start(args: readonly string[], env: Record<string, string> = {}): Running {
  const base = { ...process.env };
  delete base['TENURE_REDIS'];
  delete base['NODE_DEBUG'];
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: projectRoot,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Runs `tenure ...args` to the end. */
export function tenure(args: readonly string[], env: Record<string, string> = {}): Promise<Exit> {
  return start(args, env).exit;
}

/** A loopback URL nothing listens on. */
export async function deadUrl(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
  return `redis://127.0.0.1:${port}`;
}

/** Whether a process is still running (a zombie, waiting to be reaped, is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) succeeded
  }
}
