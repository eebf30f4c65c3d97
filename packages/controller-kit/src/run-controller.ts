import { isConflict } from '@skiff/api';
import { childAbortController } from './child-abort-controller.js';
import { realClock } from './clock.js';
import type { Clock } from './clock.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import { isTerminalError } from './reconcile.js';
import type { Reconciler } from './reconcile.js';
import type { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';
import { waitForCacheSync } from './cache/shared-informer.js';

/** Syncable is anything runController can wait on before starting workers; SharedInformer is one. */
export interface Syncable {
  whenSynced(signal?: AbortSignal): Promise<boolean>;
}

export interface RunControllerOptions<K> {
  /** Controller name, stamped on its logs. */
  name: string;
  queue: RateLimitingQueue<K>;
  reconciler: Reconciler<K>;
  /** Number of concurrent workers; the queue guarantees they never share a key. Default 1. */
  workers?: number;
  logger?: Logger;
  /** Aborting stops the controller: the queue shuts down and in-flight reconciles are awaited. */
  signal: AbortSignal;
  /** Informers whose caches must be synced before the first reconcile, so reconcilers never read an empty cache. */
  waitFor?: readonly Syncable[];
  clock?: Clock;
}

/**
 * runController runs a controller's worker loop, after sample-controller's Run and controller-runtime's
 * reconcileHandler: wait for caches, then N workers each take a key, reconcile it, and map the outcome to the queue
 * (success → forget, plus a delayed add if asked; TerminalError → log and forget; any other error → rate-limited
 * retry), always marking the key done. A 409 Conflict is the normal outcome of writing from a cache that lagged one
 * event behind: it is retried like any error but logged once at debug, without the stack. It resolves once the signal aborted and every worker finished.
 */
export async function runController<K>(opts: RunControllerOptions<K>): Promise<void> {
  const { queue, reconciler } = opts;
  const base = opts.logger ?? silentLogger;
  // Callers often hand in their own child logger already bound to the controller's name; do not bind it twice.
  const log = base.bindings().controller === undefined ? base.child({ controller: opts.name }) : base;
  const clock = opts.clock ?? realClock;
  // Cache waits and reconciles hang off this controller's own signal: one listener on the shared one.
  const stop = childAbortController(opts.signal);
  const signal = stop.signal;
  const onAbort = (): void => queue.shutDown();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (opts.waitFor && opts.waitFor.length > 0) {
      log.info({}, 'waiting for caches to sync');
      if (!(await waitForCacheSync(signal, ...opts.waitFor))) return;
    }
    const workers = Math.max(1, opts.workers ?? 1);
    log.info({ workers }, 'starting workers');
    const loops = Array.from({ length: workers }, async () => {
      while (await processNextWorkItem(queue, reconciler, signal, log, clock));
    });
    await Promise.all(loops);
    log.info({}, 'workers stopped');
  } finally {
    stop.detach();
    queue.shutDown();
  }
}

/**
 * processNextWorkItem takes one key from the queue and reconciles it; it returns false once the queue is shut down.
 * Exported so tests can step a controller one key at a time.
 */
export async function processNextWorkItem<K>(
  queue: RateLimitingQueue<K>,
  reconciler: Reconciler<K>,
  signal: AbortSignal,
  log: Logger = silentLogger,
  clock: Clock = realClock,
): Promise<boolean> {
  const key = await queue.get();
  if (key === undefined) return false;
  const started = clock.now();
  try {
    const result = await reconciler.reconcile(key, signal);
    queue.forget(key);
    const after = result?.requeueAfterMs ?? 0;
    if (after > 0) queue.addAfter(key, after);
    log.debug({ key, durationMs: clock.now() - started, requeueAfterMs: after || undefined }, 'reconciled');
  } catch (err) {
    if (signal.aborted) {
      log.debug({ key, err }, 'reconcile interrupted by shutdown');
    } else if (isConflict(err)) {
      queue.addRateLimited(key);
      log.debug({ key, reason: 'Conflict', error: (err as Error).message, retries: queue.numRequeues(key) }, 'reconcile conflict; requeued');
    } else if (isTerminalError(err)) {
      queue.forget(key);
      log.error({ key, err }, 'reconcile failed terminally; not retrying');
    } else {
      queue.addRateLimited(key);
      log.warn({ key, err, retries: queue.numRequeues(key) }, 'reconcile failed; retrying with backoff');
    }
  } finally {
    queue.done(key);
  }
  return true;
}
