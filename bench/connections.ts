/** The ioredis connections the adapters of other libraries, and the floor, open for themselves. */
import { Redis } from 'ioredis';

/** The peers' and the floor's connections: default ioredis options, errors logged by nobody (as Tenure's own). */
export function connect(urls: readonly string[]): Redis[] {
  return urls.map((url) => new Redis(url).on('error', () => undefined));
}

export async function pingAll(clients: readonly Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.ping()));
}

export async function quitAll(clients: readonly Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
