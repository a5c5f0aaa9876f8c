/**
 * What scenarios a–e have in common: every library's adapter opened on one set of URLs
 * (closed on a crash too, through the rig's cleanup), and the sequential acquire + release
 * loop that both the uncontended latency (a) and the slow-instance run (d) measure, and
 * that every warm-up uses, so a warm-up exercises exactly the path it warms.
 */
import { makeAdapter, type Adapter, type TenureModule } from '../adapters.js';
import { LIBS, SETTINGS, type LibName } from '../config.js';
import { onCleanup } from '../rig.js';

export interface Opened {
  readonly adapters: Map<LibName, Adapter>;
  close(): Promise<void>;
}

/** One adapter per library on `urls`, each ready (connected) before the next is made. */
export async function open(urls: readonly string[], tenure: TenureModule): Promise<Opened> {
  const adapters = new Map<LibName, Adapter>();
  const close = onCleanup(async () => {
    await Promise.allSettled([...adapters.values()].map((a) => a.close()));
  });
  for (const lib of LIBS) {
    const a = makeAdapter(lib, { urls, tenure });
    adapters.set(lib, a);
    await a.ready();
  }
  return { adapters, close };
}

export function get(opened: Opened, lib: LibName): Adapter {
  return opened.adapters.get(lib)!;
}

/** Sequential acquire+release on one key for `ms`; per-op latency in ms (acquire and release separately). */
export async function sequential(
  adapter: Adapter,
  key: string,
  ms: number,
): Promise<{ acquire: number[]; release: number[]; total: number[]; fails: number }> {
  const acquire: number[] = [];
  const release: number[] = [];
  const total: number[] = [];
  let fails = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const a = performance.now();
    let held;
    try {
      held = await adapter.acquire(key, SETTINGS.ttl);
    } catch {
      fails++;
      continue;
    }
    const b = performance.now();
    await held.release();
    const c = performance.now();
    acquire.push(b - a);
    release.push(c - b);
    total.push(c - a);
  }
  return { acquire, release, total, fails };
}

/** Every library in turn, `ms` in all, unmeasured: connections, scripts and JIT warm before a scenario counts. */
export async function warm(opened: Opened, ms: number): Promise<void> {
  for (const lib of LIBS) await sequential(get(opened, lib), `warm:${lib}`, ms / LIBS.length);
}
