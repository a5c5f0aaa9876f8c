/**
 * Watches a lock key from a worker thread of its own, so that it keeps looking while the
 * test's main thread is blocked: every 25 ms it asks each server for the key and counts the
 * looks where fewer than a quorum held `value` (a gap: another client could have taken it).
 */
import { Worker } from 'node:worker_threads';

export interface KeyWatch {
  /** Stops and resolves the looks taken and the gaps seen. */
  stop(): Promise<{ looks: number; gaps: number }>;
}

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Redis } = require('ioredis');
const { urls, key, value } = workerData;
const clients = urls.map((u) => { const c = new Redis(u, { maxRetriesPerRequest: 1 }); c.on('error', () => {}); return c; });
const quorum = Math.floor(urls.length / 2) + 1;
let looks = 0, gaps = 0, stopping = false;
async function look() {
  const seen = await Promise.all(clients.map((c) => c.get(key).catch(() => null)));
  looks++;
  if (seen.filter((v) => v === value).length < quorum) gaps++;
  if (stopping) { for (const c of clients) c.disconnect(); parentPort.postMessage({ looks, gaps }); parentPort.close(); }
  else setTimeout(look, 25);
}
parentPort.on('message', () => { stopping = true; });
Promise.all(clients.map((c) => c.ping())).then(() => { parentPort.postMessage('ready'); look(); });
`;

/** Starts watching; resolves once the watcher's connections answer. */
export async function watchKey(urls: readonly string[], key: string, value: string): Promise<KeyWatch> {
  const worker = new Worker(CODE, { eval: true, workerData: { urls, key, value } });
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r));
    return messages.shift();
  };
  if ((await next()) !== 'ready') throw new Error('the key watcher did not start');
  return {
    stop: async () => {
      worker.postMessage('stop');
      const result = (await next()) as { looks: number; gaps: number };
      await worker.terminate();
      return result;
    },
  };
}

/** Keeps the calling thread busy (synchronous work: no timer, no I/O runs) for `ms`. */
export function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}
