import type { Logger } from '../logger.js';
import type { DeletedFinalStateUnknown } from './deleted-final-state-unknown.js';

/**
 * ResourceEventHandler receives an informer's notifications. Handlers should only map the object to keys and add
 * them to a queue: they run after the cache is updated, one at a time per handler, in event order.
 */
export interface ResourceEventHandler<T> {
  /** onAdd; `isInInitialList` is true for objects delivered from a list rather than a watch event. */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** onUpdate; `oldObj === newObj` on a periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** onDelete gets the final state, or a tombstone when the deletion was only noticed on a relist. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** Notification is one queued call to a handler. */
export type Notification<T> =
  | { type: 'add'; obj: T; initial: boolean }
  | { type: 'update'; oldObj: T; newObj: T }
  | { type: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

/**
 * ProcessorListener gives each handler its own unbounded buffer drained on a later turn of the event loop, after
 * client-go shared_informer.go's processorListener: a slow or throwing handler never blocks the watch or the other
 * handlers, and each handler sees notifications in the order the cache changed. Draining runs on a microtask, so it
 * works under fake timers and still happens only after the write that caused it has returned.
 */
export class ProcessorListener<T> {
  #pending: Array<Notification<T>> = [];
  #scheduled = false;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];

  constructor(
    readonly handler: ResourceEventHandler<T>,
    private readonly log: Logger,
  ) {}

  enqueue(n: Notification<T>): void {
    if (this.#stopped) return;
    this.#pending.push(n);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#drain());
    }
  }

  /** idle resolves once every notification queued so far has been delivered. */
  idle(): Promise<void> {
    if (!this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#pending = [];
  }

  #drain(): void {
    const batch = this.#pending;
    this.#pending = [];
    for (const n of batch) {
      if (this.#stopped) break;
      this.#deliver(n);
    }
    if (this.#pending.length > 0 && !this.#stopped) {
      queueMicrotask(() => this.#drain());
      return;
    }
    this.#scheduled = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #deliver(n: Notification<T>): void {
    try {
      let result: unknown;
      if (n.type === 'add') result = this.handler.onAdd?.(n.obj, n.initial);
      else if (n.type === 'update') result = this.handler.onUpdate?.(n.oldObj, n.newObj);
      else result = this.handler.onDelete?.(n.obj);
      if (result instanceof Promise) result.catch((err: unknown) => this.#failed(n, err));
    } catch (err) {
      this.#failed(n, err);
    }
  }

  #failed(n: Notification<T>, err: unknown): void {
    this.log.error({ err, notification: n.type }, 'event handler failed');
  }
}
