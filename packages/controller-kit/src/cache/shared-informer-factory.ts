import { setMaxListeners } from 'node:events';
import { childAbortController } from '../child-abort-controller.js';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { silentLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { Indexers } from './index-funcs.js';
import type { HasMetadata, ListerWatcher } from './lister-watcher.js';
import type { ResourceSelector } from './reflector.js';
import { SharedInformer, waitForCacheSync } from './shared-informer.js';

export interface SharedInformerFactoryOptions {
  clock?: Clock;
  logger?: Logger;
  /** Default resync period for every informer; 0 (the default) disables resync. */
  resyncPeriodMs?: number;
}

export interface ForResourceOptions<T> extends ResourceSelector {
  indexers?: Indexers<T>;
  resyncPeriodMs?: number;
}

/**
 * SharedInformerFactory hands every component of a process the same informer for the same resource and selector,
 * so one watch and one cache serve them all, after client-go informers/factory.go. Indexers asked for by later
 * callers are added to the shared cache.
 */
export class SharedInformerFactory {
  #clock: Clock;
  #logger: Logger;
  #resyncPeriodMs: number;
  #informers = new Map<string, SharedInformer<HasMetadata>>();
  #runs: Array<Promise<void>> = [];

  constructor(opts: SharedInformerFactoryOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#logger = opts.logger ?? silentLogger;
    this.#resyncPeriodMs = opts.resyncPeriodMs ?? 0;
  }

  /** forResource returns the informer for `name` and selector, creating it on first use. */
  forResource<T extends HasMetadata>(name: string, lw: ListerWatcher<T>, opts: ForResourceOptions<T> = {}): SharedInformer<T> {
    const selector: ResourceSelector = {};
    if (opts.namespace) selector.namespace = opts.namespace;
    if (opts.labelSelector) selector.labelSelector = opts.labelSelector;
    if (opts.fieldSelector) selector.fieldSelector = opts.fieldSelector;
    const id = JSON.stringify([name, selector.namespace ?? '', selector.labelSelector ?? '', selector.fieldSelector ?? '']);
    let informer = this.#informers.get(id) as SharedInformer<T> | undefined;
    if (!informer) {
      informer = new SharedInformer<T>({
        name,
        lw,
        selector,
        clock: this.#clock,
        logger: this.#logger,
        resyncPeriodMs: opts.resyncPeriodMs ?? this.#resyncPeriodMs,
      });
      this.#informers.set(id, informer as unknown as SharedInformer<HasMetadata>);
    }
    if (opts.indexers) informer.indexer.addIndexers(opts.indexers);
    return informer;
  }

  /** start runs every informer not yet started; call it again after asking for more informers. */
  start(signal: AbortSignal): void {
    // The informers share one child of the caller's signal, so the caller's signal gains one listener, not one each.
    const stop = childAbortController(signal);
    const starting = [...this.#informers.values()].filter((informer) => !informer.started);
    // Each informer's watch listens on this child: one per kind is the design (a factory over every kind of
    // KINDS holds a dozen), not the leak Node's default threshold of 10 listeners warns about.
    setMaxListeners(Math.max(10, starting.length), stop.signal);
    for (const informer of starting) this.#runs.push(informer.run(stop.signal));
  }

  /** waitForCacheSync resolves true once every started informer has synced, false if the signal aborts first. */
  waitForCacheSync(signal: AbortSignal): Promise<boolean> {
    return waitForCacheSync(signal, ...[...this.#informers.values()].filter((i) => i.started));
  }

  /** stopped resolves once every started informer has stopped after its signal aborted. */
  async stopped(): Promise<void> {
    await Promise.all(this.#runs);
  }
}
