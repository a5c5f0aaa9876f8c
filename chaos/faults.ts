/**
 * The fault injector: runs a scenario's fault on its schedule until stopped, and marks
 * each injection on the common clock for the timeline. Faults "while held" wait for a
 * moment when some worker is inside its section and aim at a server that holds that
 * section's value, per the sampler — preferring a moment when that is a bare majority: the
 * worst case, where a lock that holds only a quorum breaks.
 */
import type { Checker } from './checker.js';
import { now } from './protocol.js';
import { cacheBurst, type ChaosRig } from './rig.js';
import type { Sampler } from './sampler.js';
import type { Fault } from './scenarios.js';

const WAIT_BARE_MS = 1_000;
const WAIT_HELD_MS = 1_500;

export interface FaultMark {
  readonly kind: Fault['kind'];
  /** Index of the server it hit. */
  readonly server: number;
  readonly start: number;
  end: number;
  /** Whether a worker was inside its section, holding this server, when it fired. */
  readonly held: boolean;
  note: string;
}

export interface FaultContext {
  readonly rig: ChaosRig;
  readonly sampler: Sampler;
  readonly checker: Checker;
}

export class FaultRunner {
  readonly marks: FaultMark[] = [];
  readonly #ctx: FaultContext;
  readonly #stop = new AbortController();
  readonly done: Promise<void>;

  constructor(fault: Fault, ctx: FaultContext, firstAt: number) {
    this.#ctx = ctx;
    this.done = this.#run(fault, firstAt).catch((error: unknown) => {
      this.marks.push({ kind: fault.kind, server: 0, start: now(), end: now(), held: false, note: `fault failed: ${String(error)}` });
    });
  }

  /** Stops after the injection in progress (a stalled server is resumed, a black hole lifted). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.done;
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #sleepUntil(t: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#stop.signal;
      if (signal.aborted) return resolve();
      const timer = Number.isFinite(t) ? setTimeout(done, Math.max(0, t - now())) : undefined;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }

  /** For each section in progress, the servers holding its value. */
  #holdings(): number[][] {
    const latest = this.#ctx.sampler.latest();
    return this.#ctx.checker.open().map((sec) => latest.flatMap((seen, i) => (seen === sec.value ? [i] : [])));
  }

  /**
   * Picks the server to hit (among `among`, all by default), worst case first: for up to
   * WAIT_BARE_MS, a moment when a section in progress holds a bare majority (then losing one
   * of its servers can hand a second worker a majority); then, up to WAIT_HELD_MS, any
   * server a section in progress holds; else any server (`held` false).
   */
  async #target(among?: readonly number[]): Promise<{ server: number; held: boolean; holding: number }> {
    const quorum = Math.floor(this.#ctx.rig.servers.length / 2) + 1;
    const start = now();
    const pick = (list: readonly number[]): number => list[Math.floor(Math.random() * list.length)]!;
    const allowed = (i: number): boolean => among === undefined || among.includes(i);
    while (!this.#stopped) {
      const holdings = this.#holdings();
      const bare = holdings
        .filter((h) => h.length === quorum)
        .flat()
        .filter(allowed);
      if (bare.length > 0) return { server: pick(bare), held: true, holding: quorum };
      const held = holdings.filter((h) => h.some(allowed));
      if (held.length > 0 && now() - start >= WAIT_BARE_MS) {
        const h = held[0]!;
        return { server: pick(h.filter(allowed)), held: true, holding: h.length };
      }
      if (now() - start >= WAIT_HELD_MS) break;
      await this.#sleepUntil(now() + 10);
    }
    return { server: pick(among ?? this.#ctx.rig.servers.map((_, i) => i)), held: false, holding: 0 };
  }

  async #run(fault: Fault, firstAt: number): Promise<void> {
    const { rig } = this.#ctx;
    if (fault.kind === 'none') return;
    if (fault.kind === 'fast-clock') {
      // Permanent: one mark over the whole run, closed by stop().
      const mark: FaultMark = { kind: fault.kind, server: 0, start: firstAt, end: firstAt, held: false, note: `${fault.rate}× clock` };
      this.marks.push(mark);
      await this.#sleepUntil(Infinity);
      mark.end = now();
      return;
    }
    let next = firstAt;
    let rolling = 0;
    for (let tag = 0; ; tag++) {
      await this.#sleepUntil(next);
      if (this.#stopped) return;
      if (fault.kind === 'rolling') {
        const server = rolling++ % rig.servers.length;
        const holding = this.#holdings().find((h) => h.includes(server));
        const mark = this.#mark(fault.kind, server, holding !== undefined);
        if (holding) mark.note = `the holder held ${holding.length} of ${rig.servers.length}`;
        await rig.servers[server]!.kill();
        await rig.servers[server]!.restart();
        mark.end = now();
        next = mark.start + fault.min + Math.random() * (fault.max - fault.min);
        continue;
      }
      const { server, held, holding } = await this.#target(fault.kind === 'eviction' ? [0] : undefined);
      if (this.#stopped) return;
      const mark = this.#mark(fault.kind, server, held);
      if (held) mark.note = `the holder held ${holding} of ${rig.servers.length}`;
      await this.#inject(fault, server, mark, tag);
      mark.end = now();
      next = Math.max(mark.start + fault.every, now() + 100);
    }
  }

  #mark(kind: Fault['kind'], server: number, held: boolean): FaultMark {
    const t = now();
    const mark: FaultMark = { kind, server, start: t, end: t, held, note: '' };
    this.marks.push(mark);
    return mark;
  }

  async #inject(fault: Fault, server: number, mark: FaultMark, tag: number): Promise<void> {
    const { rig, sampler } = this.#ctx;
    const srv = rig.servers[server]!;
    switch (fault.kind) {
      case 'restart':
        await srv.kill();
        await srv.restart();
        return;
      case 'flushall':
        await rig.admin[server]!.flushall();
        return;
      case 'eviction': {
        const before = sampler.latest()[server];
        const evicted = await cacheBurst(rig.admin[server]!, tag);
        const lockGone = typeof before === 'string' && (await rig.admin[server]!.exists(sampler.key)) === 0;
        mark.note += `${mark.note ? '; ' : ''}${evicted} keys evicted${lockGone ? ', the lock key was gone after' : ''}`;
        return;
      }
      case 'stall':
        srv.pause();
        try {
          await delay(fault.ms);
        } finally {
          srv.resume();
        }
        return;
      case 'blackhole': {
        const proxy = rig.proxies[server]!;
        proxy.blackhole(true);
        try {
          await delay(fault.ms);
        } finally {
          proxy.blackhole(false);
          proxy.dropConnections();
        }
        return;
      }
      default:
        return;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
