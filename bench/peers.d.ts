/**
 * Just enough typing for the two node-redlock versions installed under npm aliases:
 * 4.2.0 ships no types, and 5.0.0-beta.2's types are not reachable through its
 * package.json "exports" under NodeNext resolution.
 */
declare module 'redlock5' {
  import { EventEmitter } from 'node:events';
  import type { Redis } from 'ioredis';

  export interface Settings {
    readonly driftFactor: number;
    readonly retryCount: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
    readonly automaticExtensionThreshold: number;
  }

  export class ExecutionError extends Error {
    readonly attempts: readonly unknown[];
  }

  export class Lock {
    readonly resources: string[];
    readonly value: string;
    expiration: number;
    release(): Promise<unknown>;
    /** Resolves a new Lock; the old one is invalidated. */
    extend(duration: number): Promise<Lock>;
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Redis>, settings?: Partial<Settings>);
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    /** Extends `existing` (which it invalidates) and resolves the new Lock; Lock.extend calls it. */
    extend(existing: Lock, duration: number, settings?: Partial<Settings>): Promise<Lock>;
    /** Acquires, runs the routine while auto-extending, releases; `signal` aborts (with `signal.error`) when an extension fails for good. */
    using<T>(resources: string[], duration: number, routine: (signal: AbortSignal & { error?: Error }) => Promise<T>): Promise<T>;
    quit(): Promise<void>;
  }
}

declare module 'redlock4' {
  import type { Redis } from 'ioredis';

  namespace Redlock {
    interface Options {
      driftFactor?: number;
      retryCount?: number;
      retryDelay?: number;
      retryJitter?: number;
    }
    /** Bluebird promises: thenable, so awaitable. */
    interface Lock {
      resource: string | string[];
      value: string;
      expiration: number;
      unlock(): PromiseLike<void>;
      /** Extends in place and resolves the same lock. */
      extend(ttl: number): PromiseLike<Lock>;
    }
  }

  class Redlock {
    constructor(clients: Redis[], options?: Redlock.Options);
    lock(resource: string | string[], ttl: number): PromiseLike<Redlock.Lock>;
    quit(): PromiseLike<void>;
    on(event: 'clientError', listener: (error: Error) => void): this;
  }

  export = Redlock;
}
