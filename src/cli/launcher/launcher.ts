/**
 * Starts and stops real `redis-server` processes on free loopback ports, in temporary
 * directories: for `tenure demo`, and for the test suite (test/helpers/redis-server.ts).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { redisServerBinary } from './binary.js';
import { HOST, delay, freePort } from './probe.js';
import { OutputTail, PortInUseError, installExitHook, isRunning, liveDirs, spawnServer, waitReady, type Spawned } from './spawn.js';

export { redisServerBinary, INSTALL_HINT } from './binary.js';

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

const STOP_GRACE_MS = 2_000;
const PORT_ATTEMPTS = 5;

/** Spawns on `port` until one attempt is ready; retries a port lost to a race. */
async function spawnReady(
  bin: string,
  port: () => Promise<number>,
  dir: string,
  extra: readonly string[],
  env: ServerEnv | undefined,
  tail: OutputTail,
  pause: boolean,
): Promise<[Spawned, number]> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const p = await port();
    tail.reset();
    const sp = spawnServer(bin, p, dir, extra, tail, env);
    try {
      await waitReady(sp, p, tail);
      return [sp, p];
    } catch (err) {
      lastErr = err;
      if (!(err instanceof PortInUseError)) throw err;
      if (pause) await delay(50 * (attempt + 1));
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

class RedisProcessImpl implements RedisProcess {
  readonly url: string;
  readonly #bin: string;
  readonly #extra: readonly string[];
  readonly #env: ServerEnv | undefined;
  readonly #tail: OutputTail;
  #current: Spawned;
  #paused = false;
  #stopping: Promise<void> | undefined;

  constructor(
    bin: string,
    readonly port: number,
    readonly dir: string,
    extra: readonly string[],
    env: ServerEnv | undefined,
    tail: OutputTail,
    spawned: Spawned,
  ) {
    this.url = `redis://${HOST}:${port}`;
    this.#bin = bin;
    this.#extra = extra;
    this.#env = env;
    this.#tail = tail;
    this.#current = spawned;
  }

  get pid(): number {
    return this.#current.child.pid ?? -1;
  }

  #signal(sig: NodeJS.Signals): void {
    const c = this.#current.child;
    if (isRunning(c)) c.kill(sig);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.#current.child;
    if (!isRunning(c)) return;
    c.kill(signal);
    // A stopped process only acts on SIGKILL; let it see other signals.
    if (this.#paused && signal !== 'SIGKILL' && signal !== 'SIGSTOP') this.resume();
    if (signal === 'SIGKILL') this.#paused = false;
    await this.#current.exited;
  }

  pause(): void {
    if (!isRunning(this.#current.child)) throw new Error(`redis-server on port ${this.port} is not running`);
    this.#signal('SIGSTOP');
    this.#paused = true;
  }

  resume(): void {
    this.#signal('SIGCONT');
    this.#paused = false;
  }

  async restart(): Promise<void> {
    if (this.#stopping) throw new Error(`redis-server on port ${this.port} was stopped; cannot restart`);
    if (isRunning(this.#current.child)) await this.kill('SIGKILL');
    this.#paused = false;
    // Fresh, empty data dir contents (nothing is persisted anyway: --save "" / appendonly no).
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    // Same port: retry a few times in case something briefly holds it.
    const [sp] = await spawnReady(this.#bin, () => Promise.resolve(this.port), this.dir, this.#extra, this.#env, this.#tail, true);
    this.#current = sp;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const sp = this.#current;
      if (isRunning(sp.child)) {
        if (this.#paused) this.resume();
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
      this.#paused = false;
      await rm(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    })();
    return this.#stopping;
  }
}

/** Variables added to (or, when undefined, removed from) the server's environment, e.g. LD_PRELOAD. */
export type ServerEnv = Readonly<Record<string, string | undefined>>;

/**
 * Starts one redis-server on a free loopback port (or `opts.port`), resolved once it answers PING.
 * `env` is merged into this process's environment for the server, and kept for `restart()`.
 */
export async function startRedis(opts: { port?: number; args?: string[]; env?: ServerEnv } = {}): Promise<RedisProcess> {
  const bin = redisServerBinary();
  const extra = [...(opts.args ?? [])];
  const dir = await mkdtemp(path.join(tmpdir(), 'tenure-redis-'));
  liveDirs.add(dir);
  installExitHook();
  const tail = new OutputTail();
  try {
    const fixed = opts.port;
    const [sp, port] = await spawnReady(
      bin,
      () => (fixed === undefined ? freePort() : Promise.resolve(fixed)),
      dir,
      extra,
      opts.env,
      tail,
      fixed !== undefined,
    );
    return new RedisProcessImpl(bin, port, dir, extra, opts.env, tail, sp);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw err;
  }
}

/** Starts `n` independent servers (not a cluster, not replicas). */
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
