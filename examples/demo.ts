/**
 * `npm run demo`: three local redis-servers, four worker processes taking turns on one
 * fenced lock, the holder killed halfway; a live timeline and a summary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startRedisSet, type RedisSet } from '../test/helpers/redis-server.js';

const WORKERS = 4;
const RUN_MS = 9_000;
const KILL_AT = 4_000;
const t0 = Date.now();
const children: ChildProcess[] = [];
let servers: RedisSet | undefined;

function clock(at: number): string {
  return `+${((at - t0) / 1000).toFixed(3)}s`.padStart(9);
}

async function cleanup(): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  await servers?.stop();
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

interface Turn {
  name: string;
  from: number;
  to: number | undefined;
  token: bigint;
}

async function main(): Promise<void> {
  servers = await startRedisSet(3);
  console.log(`Tenure demo: 3 redis-servers (${servers.urls.join(', ')}), ${WORKERS} workers, one lock "nightly-report" (ttl 1 s, fenced)\n`);
  const turns: Turn[] = [];
  const holding = new Map<string, Turn>();
  let killed: { name: string; at: number } | undefined;
  let takeover: number | undefined;
  const exits: Promise<void>[] = [];
  for (let i = 1; i <= WORKERS; i++) {
    const name = `worker-${i}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'demo-worker.ts'), servers.urls.join(','), 'demo:', name, String(RUN_MS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    exits.push(new Promise((resolve) => child.on('exit', () => resolve())));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { name: string; at: number; event: string; token?: string; accepted?: boolean };
      if (e.event === 'acquired') {
        const turn = { name, from: e.at, to: undefined, token: BigInt(e.token!) };
        turns.push(turn);
        holding.set(name, turn);
        if (killed && takeover === undefined) takeover = e.at - killed.at;
        console.log(`${clock(e.at)}  ${name.padEnd(9)} acquired   token ${e.token}`);
      } else if (e.event === 'released') {
        const turn = holding.get(name);
        if (turn) turn.to = e.at;
        holding.delete(name);
        console.log(`${clock(e.at)}  ${name.padEnd(9)} released   write ${e.accepted ? 'accepted' : 'REJECTED'}`);
      }
    });
  }
  await new Promise((r) => setTimeout(r, KILL_AT));
  const [victim, turn] = [...holding.entries()][0] ?? [];
  if (victim && turn) {
    children[Number(victim.split('-')[1]) - 1]!.kill('SIGKILL');
    killed = { name: victim, at: Date.now() };
    turn.to = turn.from + 1_000; // its lock can last no longer than its ttl
    holding.delete(victim);
    console.log(`${clock(killed.at)}  ${victim.padEnd(9)} KILLED (SIGKILL) while holding the lock`);
  }
  await Promise.all(exits);

  let overlaps = 0;
  const sorted = [...turns].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.from < (sorted[i - 1]!.to ?? Infinity)) overlaps++;
    if (sorted[i]!.token <= sorted[i - 1]!.token) overlaps++;
  }
  console.log('\nSummary');
  console.log(`  turns taken:        ${turns.length} (by ${new Set(turns.map((t) => t.name)).size} workers)`);
  console.log(`  hand-offs:          ${Math.max(0, turns.length - 1)}`);
  if (killed) console.log(`  take-over after kill: ${takeover === undefined ? 'none' : `${takeover} ms (ttl 1000 ms)`}`);
  console.log(`  overlaps found:     ${overlaps}`);
  process.exitCode = overlaps === 0 ? 0 : 1;
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => void cleanup());
