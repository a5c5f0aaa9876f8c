/**
 * Spawning one redis-server and waiting until it answers. Every process started here is
 * tracked and SIGKILLed on `process.on('exit')`, and its temporary directory removed, so a
 * crashed run does not leak servers. Only processes started by this module are signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { HOST, delay, probe } from './probe.js';

const READY_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 10;
const OUTPUT_TAIL_BYTES = 4_096;

const live = new Set<ChildProcess>();
/** Temporary dirs not yet removed by stop(); removed synchronously at exit. */
export const liveDirs = new Set<string>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  installExitHook();
}

export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      if (isRunning(c)) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    live.clear();
    for (const dir of liveDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
    liveDirs.clear();
  });
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export class PortInUseError extends Error {}

export interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
}

/** A bounded tail of the child's stdout+stderr, for error messages. */
export class OutputTail {
  #text = '';
  push(chunk: Buffer): void {
    this.#text += chunk.toString('utf8');
    if (this.#text.length > OUTPUT_TAIL_BYTES) this.#text = this.#text.slice(-OUTPUT_TAIL_BYTES);
  }
  reset(): void {
    this.#text = '';
  }
  toString(): string {
    return this.#text.trim();
  }
}

export function spawnServer(
  bin: string,
  port: number,
  dir: string,
  extra: readonly string[],
  tail: OutputTail,
  env?: Readonly<Record<string, string | undefined>>,
): Spawned {
  // No persistence, loopback only, foreground; `extra` may override any of it.
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir];
  args.push('--daemonize', 'no', '--protected-mode', 'no', '--loglevel', 'warning', ...extra);
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  const exited = new Promise<void>((resolve) => {
    // 'close' (not 'exit'): fires once stdout/stderr are drained too, so the tail is complete.
    child.once('close', () => resolve());
    // Spawn failure (e.g. ENOENT): no 'exit' will follow.
    child.once('error', (err) => {
      tail.push(Buffer.from(`\n[spawn error] ${err.message}\n`));
      if (child.pid === undefined) resolve();
    });
  });
  if (child.pid !== undefined) track(child);
  return { child, exited };
}

/**
 * Waits until the spawned server answers PING (and is the process that owns the port).
 * Rejects with the output tail if it exits first or the deadline passes.
 */
export async function waitReady(sp: Spawned, port: number, tail: OutputTail): Promise<void> {
  const { child } = sp;
  const deadline = performance.now() + READY_TIMEOUT_MS;
  if (child.pid === undefined) await sp.exited; // spawn failed: wait for the 'error' event
  for (;;) {
    if (!isRunning(child) || child.pid === undefined) {
      await sp.exited;
      const out = tail.toString();
      if (/address already in use/i.test(out)) throw new PortInUseError(`port ${port} is already in use`);
      throw new Error(
        `redis-server (port ${port}) exited before it was ready ` +
          `(code=${String(child.exitCode)}, signal=${String(child.signalCode)}).` +
          (out ? `\n--- output tail ---\n${out}` : ' It printed nothing.'),
      );
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    const r = await probe(port, Math.min(500, Math.max(50, remaining)));
    if (r.pong && r.serverPid !== undefined) {
      if (r.serverPid === child.pid) return;
      // Someone else answers on this port: our child will (or did) fail to bind.
      await Promise.race([sp.exited, delay(200)]);
      if (isRunning(child)) {
        child.kill('SIGKILL');
        await sp.exited;
      }
      throw new PortInUseError(`port ${port} is served by another process (pid ${r.serverPid})`);
    }
    await Promise.race([sp.exited, delay(POLL_INTERVAL_MS)]);
  }
  if (isRunning(child)) {
    child.kill('SIGKILL');
    await sp.exited;
  }
  const out = tail.toString();
  throw new Error(
    `redis-server (port ${port}) did not answer PING within ${READY_TIMEOUT_MS} ms.` + (out ? `\n--- output tail ---\n${out}` : ''),
  );
}
