import type { HasMetadata } from './cache/lister-watcher.js';
import type { ResourceEventHandler } from './cache/processor-listener.js';
import { realClock } from './clock.js';
import type { Clock } from './clock.js';
import { controllerOwnerKey, handlerFor } from './handler-for.js';
import type { KeyMapper } from './handler-for.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import type { Reconciler } from './reconcile.js';
import { runController } from './run-controller.js';
import type { Syncable } from './run-controller.js';
import { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';

/** Watchable is the part of a SharedInformer a controller needs: its sync state and its event stream. */
export interface Watchable<T> extends Syncable {
  addEventHandler(handler: ResourceEventHandler<T>): unknown;
}

/**
 * Watch declares one informer a controller reads: its cache must be synced before the first reconcile, and
 * `connect` (when set) turns its events into keys on the controller's queue.
 */
export interface Watch<K> {
  readonly informer: Syncable;
  readonly connect?: (queue: RateLimitingQueue<K>) => void;
}

/**
 * watch builds the Watch declarations of a controller, after controller-runtime's builder: `primary` is For (the
 * object's own key), `owns` is Owns (a dependent wakes its controlling owner of that kind), `mapped` is Watches with
 * a map function, `handler` is Watches with a hand-written handler for the rare case where an event does more than
 * map to keys (expectations bookkeeping, say), and `cache` is an informer read but not watched.
 */
export const watch = {
  primary<T extends HasMetadata>(informer: Watchable<T>): Watch<string> {
    return { informer, connect: (queue) => informer.addEventHandler(handlerFor<T>(queue)) };
  },
  owns<T extends HasMetadata>(informer: Watchable<T>, ownerKind: string): Watch<string> {
    return { informer, connect: (queue) => informer.addEventHandler(handlerFor<T, string>(queue, controllerOwnerKey(ownerKind))) };
  },
  mapped<T extends HasMetadata, K>(informer: Watchable<T>, map: KeyMapper<T, K>): Watch<K> {
    return { informer, connect: (queue) => informer.addEventHandler(handlerFor<T, K>(queue, map)) };
  },
  handler<T, K>(informer: Watchable<T>, make: (queue: RateLimitingQueue<K>) => ResourceEventHandler<T>): Watch<K> {
    return { informer, connect: (queue) => informer.addEventHandler(make(queue)) };
  },
  cache<K = string>(informer: Syncable): Watch<K> {
    return { informer };
  },
};

export interface ControllerOptions<K> {
  /** Controller name: names its queue and is stamped on its logs. */
  name: string;
  reconciler: Reconciler<K>;
  /** What the controller reads and watches; every informer named here is synced before the first reconcile. */
  watches: ReadonlyArray<Watch<K>>;
  /** Keys reconciled once at start whatever the watches say (a periodic sweep's single key). */
  initialKeys?: readonly K[];
  clock?: Clock;
  logger?: Logger;
}

/**
 * Controller is a reconciler plus what it watches: it owns the rate-limited queue, connects every watch to it when
 * built (so no event between construction and run is lost) and runs the workers through runController, which
 * retries errors with backoff and drops TerminalErrors.
 */
export class Controller<K = string> {
  readonly name: string;
  readonly queue: RateLimitingQueue<K>;
  readonly #opts: ControllerOptions<K>;
  readonly #log: Logger;

  constructor(opts: ControllerOptions<K>) {
    this.name = opts.name;
    this.#opts = opts;
    const base = opts.logger ?? silentLogger;
    this.#log = base.bindings().controller === undefined ? base.child({ controller: opts.name }) : base;
    this.queue = new RateLimitingQueue<K>({ name: opts.name, clock: opts.clock ?? realClock });
    for (const w of opts.watches) w.connect?.(this.queue);
  }

  /** run starts `workers` workers once every watched cache synced and resolves when the signal aborts. */
  run(signal: AbortSignal, workers = 1): Promise<void> {
    for (const key of this.#opts.initialKeys ?? []) this.queue.add(key);
    return runController({
      name: this.name,
      queue: this.queue,
      reconciler: this.#opts.reconciler,
      workers,
      signal,
      logger: this.#log,
      clock: this.#opts.clock ?? realClock,
      waitFor: this.#opts.watches.map((w) => w.informer),
    });
  }
}
