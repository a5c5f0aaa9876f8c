/**
 * The demo's script: workers start and elect a leader; the leader is killed (SIGKILL) and
 * another takes over; a worker is paused (SIGSTOP) while it holds the job, past its lock's
 * ttl, then resumed — its late write carries a stale token and the fenced store refuses it.
 */
import { sleep } from '../../core/sleep.js';
import type { Fleet, Received } from './fleet.js';
import type { Timeline } from './timeline.js';

export interface Plan {
  readonly workers: number;
  /** Job lock ttl, election ttl, mean job duration (ms). */
  readonly ttl: number;
  readonly electionTtl: number;
  readonly work: number;
  /** Calm before the kill, between the take-over and the pause, and after the pause (ms). */
  readonly warmup: number;
  readonly settle: number;
  readonly tail: number;
}

export const PLANS = {
  quick: { workers: 5, ttl: 1_000, electionTtl: 1_500, work: 300, warmup: 2_500, settle: 500, tail: 1_500 },
  full: { workers: 5, ttl: 1_000, electionTtl: 1_500, work: 300, warmup: 5_000, settle: 2_500, tail: 4_000 },
} as const satisfies Record<string, Plan>;

export interface Kill {
  readonly worker: string;
  readonly at: number;
  /** The next leader and how long after the kill it was elected. */
  readonly successor: string;
  readonly handoff: number;
}

export interface Pause {
  readonly worker: string;
  readonly at: number;
  readonly resumedAt: number;
  readonly token: bigint;
}

export interface Story {
  kill?: Kill;
  pause?: Pause;
  readonly killed: Map<string, number>;
}

const short = (token: bigint | string): string => `…${String(token).slice(-5)}`;

/** Keeps the timeline and the current leader in step with the workers' reports. */
export function follow(fleet: Fleet, timeline: Timeline, live: boolean): { leader: () => string | undefined } {
  let leader: string | undefined;
  fleet.on(({ worker, event: e }: Received) => {
    if (e.t === 'acquired') timeline.update(worker, { holding: BigInt(e.token) });
    else if (e.t === 'released') timeline.update(worker, { holding: undefined });
    else if (e.t === 'elected') {
      leader = worker;
      timeline.update(worker, { leading: BigInt(e.term), elected: true });
      timeline.note(worker, `elected leader (term ${short(e.term)})`);
    } else if (e.t === 'demoted') {
      if (leader === worker) leader = undefined;
      timeline.update(worker, { leading: undefined });
      timeline.note(worker, `no longer leader (${e.reason})`);
    } else if (e.t === 'wrote' && !e.accepted) {
      timeline.note(worker, `wrote with token ${short(e.token)}: REJECTED by fencing (the store has seen ${short(e.highest)})`);
    } else if (e.t === 'wrote' && !live) {
      timeline.note(worker, `job done with token ${short(e.token)}: write accepted`);
    } else if (e.t === 'trouble') timeline.note(worker, `trouble: ${e.message}`);
  });
  return { leader: () => leader };
}

/** Plays the script, filling in `story` as it goes (so that an interrupted run keeps what happened). */
export async function play(
  fleet: Fleet,
  timeline: Timeline,
  plan: Plan,
  leader: () => string | undefined,
  story: Story,
  signal: AbortSignal,
): Promise<void> {
  const next = (match: (r: Received) => boolean, timeout: number, what: string, from?: number): Promise<Received> =>
    fleet.next(match, timeout, signal, what, from);
  await Promise.all(fleet.names.map((n) => next((r) => r.worker === n && r.event.t === 'ready', 20_000, `${n} to start`, 0)));
  if (leader() === undefined) await next((r) => r.event.t === 'elected', 10 * plan.electionTtl, 'a leader', 0);
  await sleep(plan.warmup, signal);

  // 1. Kill the leader. Its lease runs out; another candidate takes over.
  const victim = leader() ?? (await next((r) => r.event.t === 'elected', 10 * plan.electionTtl, 'a leader')).worker;
  const mark = fleet.history.length;
  fleet.signal(victim, 'SIGKILL');
  const killedAt = Date.now();
  story.killed.set(victim, killedAt);
  timeline.update(victim, { killed: true, holding: undefined, leading: undefined });
  timeline.note(victim, `KILLED (SIGKILL) while leading: its lease (${plan.electionTtl} ms) must run out before anyone else leads`);
  const successor = await next((r) => r.event.t === 'elected' && r.worker !== victim, 10 * plan.electionTtl, 'a new leader', mark);
  const handoff = successor.event.at - killedAt;
  story.kill = { worker: victim, at: killedAt, successor: successor.worker, handoff };
  timeline.note(successor.worker, `took over from ${victim}: hand-off ${handoff} ms after the kill`);
  await sleep(plan.settle, signal);

  // 2. Pause a worker while it holds the job, past its lock's ttl; then let it go on.
  const scene: Scene = { fleet, timeline, plan, leader, victim, next, signal };
  for (let attempt = 0; attempt < 3 && story.pause === undefined; attempt++) story.pause = await pause(scene);
  await sleep(plan.tail, signal);
}

interface Scene {
  readonly fleet: Fleet;
  readonly timeline: Timeline;
  readonly plan: Plan;
  readonly leader: () => string | undefined;
  readonly victim: string;
  readonly next: (match: (r: Received) => boolean, timeout: number, what: string, from?: number) => Promise<Received>;
  readonly signal: AbortSignal;
}

async function pause({ fleet, timeline, plan, leader, victim, next, signal }: Scene): Promise<Pause | undefined> {
  const turn = await next(
    (r) => r.event.t === 'acquired' && r.worker !== victim && r.worker !== leader(),
    10_000,
    'a worker to take the job',
  );
  if (turn.event.t !== 'acquired') return undefined;
  const { worker } = turn;
  fleet.signal(worker, 'SIGSTOP'); // at once: it is in the middle of its job
  const from = fleet.history.indexOf(turn);
  const token = BigInt(turn.event.token);
  const at = Date.now();
  timeline.update(worker, { paused: true });
  timeline.note(worker, `PAUSED (SIGSTOP) in the middle of its job, holding token ${short(token)}; its lock runs out in ${plan.ttl} ms`);
  // Resume once the lock has run out and a newer holder has written.
  const newer = (r: Received): boolean => r.worker !== worker && r.event.t === 'wrote' && r.event.accepted && BigInt(r.event.token) > token;
  await next(newer, 10_000, 'another worker to take over the job', from);
  await sleep(Math.max(0, at + plan.ttl + 100 - Date.now()), signal);
  fleet.signal(worker, 'SIGCONT');
  const resumedAt = Date.now();
  timeline.update(worker, { paused: false, holding: undefined });
  timeline.note(worker, `resumed after ${resumedAt - at} ms; unaware, it finishes its job and writes with token ${short(token)}`);
  const write = await next(
    (r) => r.worker === worker && r.event.t === 'wrote' && r.event.token === String(token),
    10_000,
    `${worker}'s late write`,
    from,
  );
  if (write.event.t === 'wrote' && write.event.accepted) {
    timeline.note(worker, 'the pause came after its write: trying again with another worker');
    return undefined;
  }
  return { worker, at, resumedAt, token };
}
