export { Redlock } from './redlock.js';
export { Lock } from './lock/lock.js';
export type { LockInfo, InstanceView } from './lock/inspect.js';
export type { Endpoint, EndpointInput, RedisLike } from './core/endpoint.js';
export {
  TenureError,
  LockError,
  QuorumError,
  LockTimeoutError,
  LockLostError,
  CommandTimeoutError,
  ConnectionError,
  UnexpectedReplyError,
  type InstanceOutcome,
  type InstanceStatus,
} from './errors.js';
export { DEFAULTS, type RedlockOptions, type AcquireOptions, type TryAcquireOptions, type UsingOptions, type Clock } from './options.js';
export { fencedSet, fencedGet, type FencedWrite } from './fencing/fenced.js';
