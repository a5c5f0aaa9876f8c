/**
 * Why fencing: a holder paused (SIGSTOP) past its ttl resumes and writes. Without fencing the
 * stale write lands; with fencing the protected storage rejects it. Plus scripted
 * interleavings of the two phases of a quorum token.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { LockLostError, type Lock } from '../../src/index.js';
import { distEntry } from '../helpers/build.js';
import { startRedisSet, type RedisSet } from '../helpers/redis-server.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { defer, prefix, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

let set: RedisSet | undefined;
let proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.allSettled(proxies.map((p) => p.close()));
  proxies = [];
  await set?.stop();
  set = undefined;
});

interface Worker {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<Record<string, unknown>>;
}

function worker(args: string[]): Worker {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'fenced-worker.mjs'), distEntry, ...args], {
    stdio: 'pipe',
  });
  defer(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    async next() {
      const r = await lines.next();
      if (r.done) throw new Error(`worker ended: ${stderr}`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
  };
}

describe('a paused holder resumes and writes', () => {
  it.each(['plain', 'fenced'] as const)('%s', async (mode) => {
    set = await startRedisSet(3);
    const data = new Redis(set.urls[0]!);
    defer(() => data.disconnect());
    const keyPrefix = prefix();
    const dataKey = `${keyPrefix}data`;
    const args = (name: string): string[] => [set!.urls.join(','), keyPrefix, 'account', '400', set!.urls[0]!, dataKey, mode, name];

    const a = worker(args('A'));
    expect(await a.next()).toMatchObject({ event: 'acquired' });
    a.child.kill('SIGSTOP'); // a GC pause, a stopped VM...

    const b = worker(args('B')); // waits until A's lock expires, then takes it
    const bAcquired = await b.next();
    expect(bAcquired).toMatchObject({ event: 'acquired' });
    b.child.stdin.write('write\n');
    expect(await b.next()).toMatchObject({ event: 'wrote', accepted: true });

    a.child.kill('SIGCONT'); // A resumes, believes it holds the lock, and writes
    a.child.stdin.write('write\n');
    const aWrote = await a.next();

    if (mode === 'plain') {
      // The scenario is real: without fencing, the stale write overwrites B's.
      expect(aWrote).toMatchObject({ event: 'wrote', accepted: true });
      expect(await data.get(dataKey)).toBe('written by A');
    } else {
      expect(aWrote).toMatchObject({ event: 'wrote', accepted: false, highest: bAcquired.token });
      expect(BigInt(bAcquired.token as string)).toBeGreaterThan(0n);
      expect(await data.hget(dataKey, 'value')).toBe('written by B');
    }
  });
});

describe('quorum tokens under scripted interleavings', () => {
  async function proxied(): Promise<string[]> {
    set = await startRedisSet(3);
    proxies = await Promise.all(set.servers.map((s) => startProxy({ port: s.port })));
    return proxies.map((p) => p.url);
  }

  it('a holder paused between phase 1 and phase 2 past its ttl gets no token; the next holder gets a larger one', async () => {
    const urls = await proxied();
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix, commandTimeout: 2_000 });
    const b = redlock(set!.urls, { keyPrefix }); // direct: not slowed by the proxies
    const lockA = await a.acquire('acct', { ttl: 350 });
    for (const p of proxies) p.setLatency(200); // phase 1 lands at ~200 ms, its answer at ~400 ms
    const fencing = lockA.fence().catch((e: unknown) => e);
    // Phase 1 lands on the servers; its answers are still on the way back.
    const direct = set!.urls.map((u) => new Redis(u));
    defer(() => direct.forEach((c) => c.disconnect()));
    const counterKey = `${keyPrefix}{acct}:fence`;
    const phase1 = await waitFor(async () => {
      const values = await Promise.all(direct.map((c) => c.get(counterKey)));
      return values.every((v) => v !== null) ? values.map((v) => BigInt(v)) : null;
    });
    expect(lockA.fencingToken).toBeUndefined();
    const lockB = await b.acquire('acct', { ttl: 5_000, wait: 5_000, fence: true }); // after A's ttl ran out
    expect(await fencing).toBeInstanceOf(LockLostError); // A's phase 2 found its lock gone: no token
    expect(lockA.fencingToken).toBeUndefined();
    for (const c of phase1) expect(lockB.fencingToken!).toBeGreaterThan(c);
  });

  it('random latencies, instance orders and expiries: a later holder always has a larger token', async () => {
    const urls = await proxied();
    const keyPrefix = prefix();
    const clients = [0, 1, 2, 3].map(() => redlock(urls, { keyPrefix, retryDelay: 5, retryJitter: 5 }));
    const handedOut: Array<{ token: bigint; at: number; startedAt: number }> = [];
    let stop = false;
    const jitter = setInterval(() => {
      for (const p of proxies) p.setLatency(Math.floor(Math.random() * 15));
    }, 7);
    defer(() => clearInterval(jitter));
    const deadline = performance.now() + 3_000;
    await Promise.all(
      clients.map(async (r) => {
        while (!stop && performance.now() < deadline) {
          const startedAt = performance.now();
          let lock: Lock;
          try {
            lock = await r.acquire('hot', { ttl: 40 + Math.floor(Math.random() * 40), wait: 1_000, fence: true });
          } catch {
            continue;
          }
          handedOut.push({ token: lock.fencingToken!, at: performance.now(), startedAt });
          // Sometimes release, sometimes let it expire mid-flight.
          if (Math.random() < 0.5) await lock.release().catch(() => false);
        }
      }),
    );
    stop = true;
    expect(handedOut.length).toBeGreaterThan(20);
    // Every token handed out before an acquisition began is smaller than its token.
    for (const y of handedOut) {
      for (const x of handedOut) {
        if (x !== y && x.at < y.startedAt) expect(y.token).toBeGreaterThan(x.token);
      }
    }
    expect(new Set(handedOut.map((h) => h.token)).size).toBe(handedOut.length);
  });
});
