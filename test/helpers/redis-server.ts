/**
 * Test rig: start/stop real `redis-server` processes on free loopback ports.
 *
 * Every process started here is tracked in a module-level set and SIGKILLed on
 * `process.on('exit')`, so a crashed test run does not leak servers. Only
 * processes started by this module are ever signalled.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RedisProcess {
  /** Loopback port it listens on. */
  readonly port: number;
  /** `redis://127.0.0.1:${port}` */
  readonly url: string;
  /** PID of the current process (changes after `restart()`). */
  readonly pid: number;
  /** Its temporary working dir. */
  readonly dir: string;
  /** Send `signal` (default SIGKILL); resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** (After kill) start again on the SAME port with empty data; resolves when it answers PING. */
  restart(): Promise<void>;
  /** SIGCONT if paused, SIGTERM, SIGKILL after 2 s; removes the temp dir; idempotent. */
  stop(): Promise<void>;
}

export interface RedisSet {
  readonly servers: RedisProcess[];
  readonly urls: string[];
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 10;
const STOP_GRACE_MS = 2_000;
const OUTPUT_TAIL_BYTES = 4_096;
const PORT_ATTEMPTS = 5;

const INSTALL_HINT =
  'Install it with `apt-get install -y redis-server` (Debian/Ubuntu, as root) or run ' +
  '`bash scripts/ensure-redis`; on macOS `brew install redis`; ' +
  'or set REDIS_SERVER=/path/to/redis-server.';

// ---------------------------------------------------------------------------
// Leak protection
// ---------------------------------------------------------------------------

const live = new Set<ChildProcess>();
/** Temp dirs not yet removed by stop(); removed synchronously at exit. */
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  installExitHook();
}

function installExitHook(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) {
        if (c.exitCode === null && c.signalCode === null) {
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
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

// ---------------------------------------------------------------------------
// Binary lookup
// ---------------------------------------------------------------------------

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Locate `redis-server`: env REDIS_SERVER, then PATH, then /usr/bin and
 * /usr/local/bin. Throws an Error explaining how to install it if missing.
 */
export function redisServerBinary(): string {
  const fromEnv = process.env['REDIS_SERVER'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutableFile(fromEnv)) return fromEnv;
    throw new Error(`REDIS_SERVER is set to ${JSON.stringify(fromEnv)}, which is not an executable file. ` + INSTALL_HINT);
  }
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    const candidate = path.join(dir, 'redis-server');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new Error(`redis-server was not found (looked in REDIS_SERVER, PATH, /usr/bin, /usr/local/bin). ${INSTALL_HINT}`);
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Ask the kernel for a currently free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = addr;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

interface ProbeResult {
  pong: boolean;
  /** `process_id` reported by INFO server, when available. */
  serverPid?: number;
}

/**
 * One readiness probe over a raw socket: PING (must answer +PONG) pipelined
 * with INFO server (to learn which process owns the port, so that a server
 * which lost a bind race is not mistaken for ready because some other
 * server answered on "its" port).
 */
function probe(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let buf = '';
    let done = false;
    const sock = net.connect({ host: HOST, port });
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ pong: buf.includes('+PONG\r\n') }), timeoutMs);
    sock.setNoDelay(true);
    sock.once('connect', () => {
      sock.write('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n');
    });
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      if (!buf.startsWith('+PONG\r\n')) {
        // -LOADING, -ERR ... or anything else: not ready (yet).
        if (buf.includes('\r\n')) finish({ pong: false });
        return;
      }
      const m = /process_id:(\d+)\r\n/.exec(buf);
      if (m?.[1] !== undefined) finish({ pong: true, serverPid: Number(m[1]) });
    });
    sock.once('error', () => finish({ pong: false }));
    sock.once('close', () => finish({ pong: buf.includes('+PONG\r\n') }));
  });
}

class PortInUseError extends Error {}

interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Bounded tail of the child's stdout+stderr. */
class OutputTail {
  private text = '';
  push(chunk: Buffer): void {
    this.text += chunk.toString('utf8');
    if (this.text.length > OUTPUT_TAIL_BYTES) this.text = this.text.slice(-OUTPUT_TAIL_BYTES);
  }
  reset(): void {
    this.text = '';
  }
  toString(): string {
    return this.text.trim();
  }
}

function spawnServer(bin: string, port: number, dir: string, extra: readonly string[], tail: OutputTail): Spawned {
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
    ...extra,
  ];
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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
 * Wait until the spawned server answers PING (and is the process that owns
 * the port). Rejects with the output tail if it exits first or the deadline passes.
 */
async function waitReady(sp: Spawned, port: number, tail: OutputTail): Promise<void> {
  const { child } = sp;
  const deadline = performance.now() + READY_TIMEOUT_MS;
  if (child.pid === undefined) await sp.exited; // spawn failed: wait for the 'error' event
  for (;;) {
    if (!isRunning(child) || child.pid === undefined) {
      await sp.exited;
      const out = tail.toString();
      if (/address already in use/i.test(out)) {
        throw new PortInUseError(`port ${port} is already in use`);
      }
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

// ---------------------------------------------------------------------------
// RedisProcess implementation
// ---------------------------------------------------------------------------

class RedisProcessImpl implements RedisProcess {
  readonly url: string;
  private current: Spawned;
  private paused = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly bin: string,
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: readonly string[],
    private readonly tail: OutputTail,
    spawned: Spawned,
  ) {
    this.url = `redis://${HOST}:${port}`;
    this.current = spawned;
  }

  get pid(): number {
    return this.current.child.pid ?? -1;
  }

  private signal(sig: NodeJS.Signals): void {
    const c = this.current.child;
    if (isRunning(c)) c.kill(sig);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.current.child;
    if (!isRunning(c)) return;
    c.kill(signal);
    // A stopped process only acts on SIGKILL; let it see other signals.
    if (this.paused && signal !== 'SIGKILL' && signal !== 'SIGSTOP') this.resume();
    if (signal === 'SIGKILL') this.paused = false;
    await this.current.exited;
  }

  pause(): void {
    if (!isRunning(this.current.child)) throw new Error(`redis-server on port ${this.port} is not running`);
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  async restart(): Promise<void> {
    if (this.stopping) throw new Error(`redis-server on port ${this.port} was stopped; cannot restart`);
    if (isRunning(this.current.child)) await this.kill('SIGKILL');
    this.paused = false;
    // Fresh, empty data dir contents (nothing is persisted anyway: --save "" / appendonly no).
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    // Same port: retry a few times in case something briefly holds it.
    let lastErr: unknown;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      this.tail.reset();
      const sp = spawnServer(this.bin, this.port, this.dir, this.extraArgs, this.tail);
      this.current = sp;
      try {
        await waitReady(sp, this.port, this.tail);
        return;
      } catch (err) {
        lastErr = err;
        if (!(err instanceof PortInUseError)) throw err;
        await delay(50 * (attempt + 1));
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const sp = this.current;
      if (isRunning(sp.child)) {
        if (this.paused) this.resume();
        sp.child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (isRunning(sp.child)) sp.child.kill('SIGKILL');
        }, STOP_GRACE_MS);
        try {
          await sp.exited;
        } finally {
          clearTimeout(timer);
        }
      }
      this.paused = false;
      await rm(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    })();
    return this.stopping;
  }
}

/** Start one redis-server on a free loopback port (or `opts.port`), resolved once it answers PING. */
export async function startRedis(opts: { port?: number; args?: string[] } = {}): Promise<RedisProcess> {
  const bin = redisServerBinary();
  const extra = [...(opts.args ?? [])];
  const dir = await mkdtemp(path.join(tmpdir(), 'tenure-redis-'));
  liveDirs.add(dir);
  installExitHook();
  const tail = new OutputTail();
  let lastErr: unknown;
  try {
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = opts.port ?? (await freePort());
      tail.reset();
      const sp = spawnServer(bin, port, dir, extra, tail);
      try {
        await waitReady(sp, port, tail);
        return new RedisProcessImpl(bin, port, dir, extra, tail, sp);
      } catch (err) {
        lastErr = err;
        if (!(err instanceof PortInUseError)) throw err;
        if (opts.port !== undefined) await delay(50 * (attempt + 1));
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw err;
  }
}

/** Start `n` independent servers (not a cluster, not replicas). */
export async function startRedisSet(n: number, opts: { args?: string[] } = {}): Promise<RedisSet> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`startRedisSet: n must be a positive integer, got ${n}`);
  const results = await Promise.allSettled(Array.from({ length: n }, () => startRedis(opts.args ? { args: opts.args } : {})));
  const servers: RedisProcess[] = [];
  let firstError: unknown;
  for (const r of results) {
    if (r.status === 'fulfilled') servers.push(r.value);
    else firstError ??= r.reason;
  }
  if (firstError !== undefined) {
    await Promise.all(servers.map((s) => s.stop()));
    throw firstError instanceof Error ? firstError : new Error('startRedisSet: a server failed to start', { cause: firstError });
  }
  let stopping: Promise<void> | undefined;
  return {
    servers,
    urls: servers.map((s) => s.url),
    stop() {
      stopping ??= Promise.all(servers.map((s) => s.stop())).then(() => undefined);
      return stopping;
    },
  };
}
