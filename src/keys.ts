/**
 * Every Redis key and channel name Tenure uses is built here, and nowhere else.
 * A resource's keys share the hash tag `{resource}` so they live in one Cluster slot.
 */
export function lockKey(prefix: string, resource: string): string {
  return `${prefix}{${resource}}`;
}

/** The fencing-token counter beside a lock key (same slot). */
export function fenceKey(prefix: string, resource: string): string {
  return `${prefix}{${resource}}:fence`;
}

/**
 * A lock key's gone mark: the value last released there (when a contender was about), for
 * the lock's ttl, so that a failed attempt does not hand its vote to a holder that is gone
 * (release.lua, undo-to.lua). Same slot.
 */
export function goneKey(prefix: string, resource: string): string {
  return `${prefix}{${resource}}:gone`;
}

/**
 * A lock's waiting line, two sorted sets beside its key (same slot): `queue` holds each
 * waiter's claim scored by its place (the time it began to wait, the same on every server, so
 * that the servers agree on who is next), `alive` the same claims scored by the server time
 * (ms) each lapses at unless its waiter tries again. A release hands the lock to the first
 * live claim (release-one.lua), so one waiter tries, not one per process.
 */
export function queueKeys(prefix: string, resource: string): [queue: string, alive: string] {
  const key = lockKey(prefix, resource);
  return [`${key}:queue`, `${key}:alive`];
}

/**
 * The server's marker (restartQuarantine): when the data here became complete. Outside
 * every `{…}` hash tag, so no resource name can reach it.
 */
export function markerKey(prefix: string): string {
  return `${prefix}server`;
}

/** Suffix of a lock key that names its release channel (the release script appends it). */
export const RELEASE_SUFFIX = ':released';

/**
 * What a release publishes: the first 8 characters of the lock value, so that a waiter tells
 * the N copies of one release (one per server) apart; when the release handed the lock to a
 * waiter's claim (release-one.lua), `>`, that claim's tag (claimTag) and `/` with the ms the
 * claim holds the key for, on the hand-off channel of that claim (handoffChannel). lib/publish.lua's release_message() writes it;
 * test/scripts/queue.test.ts holds the two to the same form.
 */
export function releaseMessage(value: string, next?: string, ms?: number): string {
  return next === undefined ? value.slice(0, 8) : `${value.slice(0, 8)}>${claimTag(next)}/${ms ?? 0}`;
}

/**
 * A claim as a release message names it: its first 25 characters — '~', the tag of the
 * Redlock that waits with it (core/wakeup.ts), and 96 random bits. A waiter may take the lock
 * on a quorum of messages naming its tag (lock/acquisition.ts), so two waiters' tags must
 * never be alike.
 */
export function claimTag(claim: string): string {
  return claim.slice(0, 25);
}

/**
 * A waiter's claim (lock/line.ts newClaim): '~', the tag of its Redlock (core/wakeup.ts, 8
 * characters), then a value of its own — never a lock's value (lib/renew.lua tells it apart).
 */
export function claimOf(tag: string, value: string): string {
  return `~${tag}${value}`;
}

/** The tag of the Redlock whose waiter made `claim` (see claimOf). */
export function tagOf(claim: string): string {
  return claim.slice(1, 9);
}

/**
 * The hand-off channel of the Redlock tagged `tag`: where a release that hands the lock to
 * one of its claims tells it — the release channel and the tag, which that Redlock alone
 * listens on: one message per server to the one process whose waiter is next, not to every
 * process that waits. lib/publish.lua's handoff_channel() makes the same name from a claim.
 */
export function handoffChannel(channel: string, tag: string): string {
  return `${channel}@${tag}`;
}

/** A release message read back: the released value's prefix, and the claim it names with its ms (if any). */
export function parseReleaseMessage(message: string): { released: string; next: string | undefined; ms: number } {
  const gt = message.indexOf('>');
  if (gt < 0) return { released: message, next: undefined, ms: 0 };
  const slash = message.indexOf('/', gt);
  if (slash < 0) return { released: message.slice(0, gt), next: message.slice(gt + 1), ms: 0 };
  return { released: message.slice(0, gt), next: message.slice(gt + 1, slash), ms: Number(message.slice(slash + 1)) || 0 };
}

/** The channel a release is published on (same slot, for sharded pub/sub). */
export function releaseChannel(prefix: string, resource: string): string {
  return lockKey(prefix, resource) + RELEASE_SUFFIX;
}

/** The resource a lock key names, or undefined when the key is not a lock key of this prefix. */
export function resourceOf(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix + '{') || !key.endsWith('}')) return undefined;
  return key.slice(prefix.length + 1, -1);
}

/** The resource an election's lock is taken on. */
export function electionResource(name: string): string {
  return `election:${name}`;
}

/**
 * Whether a one-resource lock on `resource` keeps a waiting line (lib/queue.lua). A
 * semaphore's slots do not: their waiters wait on every slot at once, woken by any release.
 */
export function queued(resource: string): boolean {
  return !resource.startsWith('semaphore:');
}

/** Whether a resource is an election's lock (its releases are told to its observers). */
export function isElectionResource(resource: string): boolean {
  return resource.startsWith('election:');
}

/** The channel a new leader announces itself on (same slot as the election's lock). */
export function leaderChannel(prefix: string, name: string): string {
  return lockKey(prefix, electionResource(name)) + ':leader';
}

/** The lock a scheduled job's runs take, one at a time. */
export function scheduleResource(name: string): string {
  return `schedule:${name}`;
}

/** The lock a run-once task takes. */
export function onceResource(name: string): string {
  return `once:${name}`;
}

/** The marker beside a job's lock: the last period done (schedule), or 1 once done (once). */
export function markKey(prefix: string, resource: string): string {
  return `${prefix}{${resource}}:done`;
}

/** A sequence's counter (its own hash slot, like a lock's keys). */
export function sequenceKey(prefix: string, name: string): string {
  return `${prefix}{sequence:${name}}`;
}

/** The resource of one permit (slot) of a semaphore: each slot is a lock of its own. */
export function semaphoreSlot(name: string, slot: number): string {
  return `semaphore:${name}#${slot}`;
}

/** The resource of a read-write lock: its writer's key is that resource's lock key. */
export function rwResource(name: string): string {
  return `rwlock:${name}`;
}

/**
 * A read-write lock's keys, one hash slot: the writer's key (an ordinary lock key, so the
 * fence counter and release channel are the lock's), the readers (a sorted set of values
 * scored by expiry) and the waiting writers (a sorted set of waiting ids scored by expiry).
 */
export function rwKeys(prefix: string, resource: string): [writer: string, readers: string, waiting: string] {
  const writer = lockKey(prefix, resource);
  return [writer, `${writer}:readers`, `${writer}:waiting`];
}

/** A fixed-window counter (one hash slot of its own). */
export function windowKey(prefix: string, name: string): string {
  return `${prefix}{window:${name}}`;
}

/**
 * Resource names Tenure's own primitives use under `${prefix}{…}`. A lock may not be taken on
 * one of them directly (it would share keys with an election, a job, a semaphore's slot, a
 * sequence, a counter or a read-write lock); `inspect` may read them.
 */
export const RESERVED_PREFIXES = Object.freeze(['election:', 'schedule:', 'once:', 'semaphore:', 'sequence:', 'window:', 'rwlock:']);

/**
 * Why `resource` cannot name a lock's keys, or undefined when it can: a reserved name, or
 * one that starts with `}` — the hash tag `{}` would be empty, and Redis Cluster would then
 * hash each of the lock's keys (lock, fence counter, release channel) to its own slot.
 */
export function unfitResource(resource: string, reserved: boolean): string | undefined {
  if (resource.startsWith('}')) return 'it may not start with "}" (the lock\'s keys would land in different Cluster slots)';
  if (reserved && resource.includes(':')) {
    // (Every reserved prefix ends with ':'.)
    const taken = RESERVED_PREFIXES.find((p) => resource.startsWith(p));
    const factory = taken === 'rwlock:' ? 'readWriteLock' : taken?.slice(0, -1);
    if (taken !== undefined) return `names starting with ${JSON.stringify(taken)} are Tenure's own (use redlock.${factory}…)`;
  }
  return undefined;
}

/**
 * Why a key prefix would split a lock's keys across Cluster slots, or undefined: its first
 * `{` directly followed by `}` is an empty hash tag (every key is then hashed whole).
 */
export function unfitPrefix(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open >= 0 && prefix[open + 1] === '}') return 'its first "{" is directly followed by "}": an empty hash tag';
  return undefined;
}

/**
 * Whether a name under `${prefix}{…}` is a lock's resource. Sequences (`sequence:…`) and
 * window counters (`window:…`) keep counters there, not locks: tools must leave them alone.
 */
export function isLockResource(resource: string): boolean {
  return !resource.startsWith('sequence:') && !resource.startsWith('window:');
}
