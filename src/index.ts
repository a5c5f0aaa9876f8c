export { Redlock, type RedlockEvents } from './redlock.js';
export type { AcquiredEvent, ReleasedEvent, LostEvent, ContendedEvent, ServerErrorEvent, Logger } from './core/telemetry.js';
export type { MeterProviderLike, TracerProviderLike } from './core/otel.js';
export type { ServerSuspect, ServerTrusted, SuspectReason } from './core/monitor.js';
export { Lock } from './lock/lock.js';
export type { ForcedOnServer } from './lock/force.js';
export { Election } from './election/election.js';
export type { ElectionEvents, ElectedEvent, DemotedEvent, DemotionReason } from './election/events.js';
export { Schedule, type ScheduleEvents, type ScheduledFn, type ScheduledRun, type RunEvent } from './jobs/schedule.js';
export type { OnceResult } from './jobs/once.js';
export { Sequence } from './sequence/sequence.js';
export { Semaphore, type PermitOptions } from './semaphore/semaphore.js';
export { ReadWriteLock, ReadWriteSide, type SideOptions } from './rwlock/rwlock.js';
export type { LockAttempt, LockStatus } from './lock/try-lock.js';
export type { LockKind } from './lock/kind.js';
export type { AdoptOptions } from './lock/adopt.js';
export { WindowCounter, type WindowVerdict } from './window-counter/window-counter.js';
export type { LockInfo, InstanceView } from './lock/inspect.js';
export type { Endpoint, EndpointInput, RedisLike, BorrowedClient, NodeRedisLike, GlideLike } from './core/endpoint.js';
export {
  TenureError,
  LockError,
  QuorumError,
  LockTimeoutError,
  LockLostError,
  CommandTimeoutError,
  ReplicaSyncError,
  ConnectionError,
  UnexpectedReplyError,
  DuplicateServerError,
  ClosedError,
  ServerError,
  type InstanceOutcome,
  type InstanceStatus,
} from './errors.js';
export {
  DEFAULTS,
  type RedlockOptions,
  type AcquireOptions,
  type TryAcquireOptions,
  type UsingOptions,
  type ElectionOptions,
  type ScheduleOptions,
  type EveryOptions,
  type CronOptions,
  type OnceOptions,
  type SemaphoreOptions,
  type ReadWriteLockOptions,
  type WindowCounterOptions,
  type Clock,
} from './options/index.js';
export { fencedSet, fencedGet, type FencedWrite } from './fencing/fenced.js';
// Key and channel names, for operators and tools (ACLs, monitoring, `tenure status`).
export { lockKey, fenceKey, markerKey, releaseChannel, resourceOf, isLockResource } from './keys.js';
