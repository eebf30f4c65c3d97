import { setMaxListeners } from 'node:events';
import { childAbortController } from '../child-abort-controller.js';
import { realClock } from '../clock.js';
import type { Clock, TimerHandle } from '../clock.js';
import { silentLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { DeletedFinalStateUnknown } from './deleted-final-state-unknown.js';
import { NAMESPACE_INDEX, namespaceIndex } from './index-funcs.js';
import type { Indexers } from './index-funcs.js';
import { Indexer } from './indexer.js';
import type { KeyFunc } from './indexer.js';
import type { HasMetadata, ListerWatcher } from './lister-watcher.js';
import { ProcessorListener } from './processor-listener.js';
import type { Notification, ResourceEventHandler } from './processor-listener.js';
import { Reflector } from './reflector.js';
import type { ReflectorStore, ResourceSelector } from './reflector.js';

export interface SharedInformerOptions<T extends HasMetadata> {
  /** Resource name for logs, e.g. "pods". */
  name?: string;
  lw: ListerWatcher<T>;
  selector?: ResourceSelector;
  /** Extra indexes; the namespace index is always present. */
  indexers?: Indexers<T>;
  keyFunc?: KeyFunc<T>;
  /** When set, every object is re-delivered as onUpdate(obj, obj) this often, so missed work gets redone. */
  resyncPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Reflector relist backoff, mostly for tests. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** HandlerRegistration lets a caller stop receiving notifications. */
export interface HandlerRegistration {
  remove(): void;
}

/** Lister reads the informer's cache; what it returns is shared and read-only. */
export interface Lister<T> {
  get(key: string): T | undefined;
  /** list returns every object, or those in one namespace. */
  list(namespace?: string): T[];
  byIndex(indexName: string, value: string): T[];
}

/**
 * SharedInformer is one reflector and one cache serving many handlers, after client-go shared_informer.go: the
 * store is updated first, then every handler is told, asynchronously and in order. A relist is diffed against the
 * cache so handlers see adds, updates and deletes (as tombstones) for changes missed while the watch was down.
 * An update whose resourceVersion did not change is not delivered, except as a periodic resync.
 */
export class SharedInformer<T extends HasMetadata> {
  readonly name: string;
  readonly indexer: Indexer<T>;
  #reflector: Reflector<T>;
  #listeners = new Set<ProcessorListener<T>>();
  #clock: Clock;
  #log: Logger;
  #resyncPeriodMs: number;
  #started = false;
  #synced = false;
  #syncWaiters: Array<() => void> = [];

  constructor(opts: SharedInformerOptions<T>) {
    this.name = opts.name ?? 'objects';
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'informer', resource: this.name });
    this.#resyncPeriodMs = opts.resyncPeriodMs ?? 0;
    const indexerOpts: { indexers: Indexers<T>; keyFunc?: KeyFunc<T> } = {
      indexers: { [NAMESPACE_INDEX]: namespaceIndex, ...opts.indexers },
    };
    if (opts.keyFunc) indexerOpts.keyFunc = opts.keyFunc;
    this.indexer = new Indexer<T>(indexerOpts);
    this.#reflector = new Reflector<T>({
      name: this.name,
      lw: opts.lw,
      store: this.#store(),
      selector: opts.selector ?? {},
      clock: this.#clock,
      logger: opts.logger ?? silentLogger,
      ...(opts.initialBackoffMs === undefined ? {} : { initialBackoffMs: opts.initialBackoffMs }),
      ...(opts.maxBackoffMs === undefined ? {} : { maxBackoffMs: opts.maxBackoffMs }),
    });
  }

  /**
   * addEventHandler registers a handler. Added after the informer has data, it first gets onAdd for every cached
   * object, so late handlers start from the same picture as early ones.
   */
  addEventHandler(handler: ResourceEventHandler<T>): HandlerRegistration {
    const listener = new ProcessorListener<T>(handler, this.#log);
    this.#listeners.add(listener);
    for (const obj of this.indexer.list()) listener.enqueue({ type: 'add', obj, initial: true });
    return {
      remove: () => {
        listener.stop();
        this.#listeners.delete(listener);
      },
    };
  }

  /** run lists, watches and resyncs until the signal aborts. An informer runs once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new Error(`informer ${this.name} already started`);
    this.#started = true;
    let timer: TimerHandle | undefined;
    const arm = (): void => {
      timer = this.#clock.setTimeout(() => {
        if (signal.aborted) return;
        this.#resync();
        arm();
      }, this.#resyncPeriodMs);
    };
    if (this.#resyncPeriodMs > 0) arm();
    try {
      await this.#reflector.run(signal);
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
  }

  get started(): boolean {
    return this.#started;
  }

  /** hasSynced is true once the cache holds a complete first list. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** whenSynced resolves true once synced, or false if the signal aborts first. */
  whenSynced(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** whenIdle resolves once every handler has received every notification queued so far (for tests). */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.#listeners].map((l) => l.idle()));
  }

  get lastSyncResourceVersion(): string | undefined {
    return this.#reflector.lastSyncResourceVersion;
  }

  lister(): Lister<T> {
    const indexer = this.indexer;
    return {
      get: (key) => indexer.get(key),
      list: (namespace) => (namespace === undefined ? indexer.list() : indexer.byIndex(NAMESPACE_INDEX, namespace)),
      byIndex: (indexName, value) => indexer.byIndex(indexName, value),
    };
  }

  #notify(n: Notification<T>): void {
    for (const l of this.#listeners) l.enqueue(n);
  }

  #resync(): void {
    if (!this.#synced) return;
    for (const obj of this.indexer.list()) this.#notify({ type: 'update', oldObj: obj, newObj: obj });
  }

  #upsert(obj: T, initial: boolean): void {
    const old = this.indexer.get(this.indexer.keyFunc(obj));
    this.indexer.add(obj);
    if (old === undefined) this.#notify({ type: 'add', obj, initial });
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion || !obj.metadata.resourceVersion) {
      this.#notify({ type: 'update', oldObj: old, newObj: obj });
    }
  }

  #store(): ReflectorStore<T> {
    return {
      add: (obj) => this.#upsert(obj, false),
      update: (obj) => this.#upsert(obj, false),
      delete: (obj) => {
        const key = this.indexer.keyFunc(obj);
        if (this.indexer.get(key) === undefined) return;
        this.indexer.deleteKey(key);
        this.#notify({ type: 'delete', obj });
      },
      replace: (items) => {
        const initial = !this.#synced;
        const keep = new Set(items.map((o) => this.indexer.keyFunc(o)));
        const vanished: Array<[string, T]> = [];
        for (const key of this.indexer.listKeys()) {
          if (!keep.has(key)) vanished.push([key, this.indexer.get(key) as T]);
        }
        for (const [key] of vanished) this.indexer.deleteKey(key);
        for (const [key, obj] of vanished) this.#notify({ type: 'delete', obj: new DeletedFinalStateUnknown(key, obj) });
        for (const obj of items) this.#upsert(obj, initial);
        if (!this.#synced) {
          this.#synced = true;
          const waiters = this.#syncWaiters;
          this.#syncWaiters = [];
          for (const w of waiters) w();
        }
      },
    };
  }
}

/** waitForCacheSync resolves true once every informer has synced, or false if the signal aborts first. */
export async function waitForCacheSync(
  signal: AbortSignal,
  ...informers: Array<{ whenSynced(signal?: AbortSignal): Promise<boolean> }>
): Promise<boolean> {
  const stop = childAbortController(signal);
  // One listener per cache on a private signal is the design, not a leak: a controller generic over every kind
  // (the garbage collector) waits on a dozen caches, past Node's default warning threshold of 10.
  setMaxListeners(Math.max(10, informers.length), stop.signal);
  try {
    const results = await Promise.all(informers.map((i) => i.whenSynced(stop.signal)));
    return results.every(Boolean);
  } finally {
    stop.detach();
  }
}
