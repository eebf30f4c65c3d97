import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { QueueMetrics } from './queue-metrics.js';

export interface WorkQueueOptions {
  /** Name for logs and metrics. */
  name?: string;
  clock?: Clock;
  metrics?: QueueMetrics;
}

/**
 * WorkQueue is a de-duplicating FIFO of keys that never hands one key to two workers at once, after client-go
 * util/workqueue/queue.go. A key lives in `dirty` while it waits and in `processing` while a worker holds it; a key
 * added while processing is only marked dirty and goes back on the queue, once, when the worker calls `done`.
 * That is what lets reconcilers be level-triggered: many events collapse into one pass over the latest state.
 */
export class WorkQueue<K> {
  readonly name: string;
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics;
  #queue: K[] = [];
  #head = 0;
  #dirty = new Set<K>();
  #processing = new Set<K>();
  #queuedAt = new Map<K, number>();
  #startedAt = new Map<K, number>();
  #waiters: Array<(key: K | undefined) => void> = [];
  #drainWaiters: Array<() => void> = [];
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? '';
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics ?? {};
  }

  /** add marks the key as needing work; it is a no-op if the key already waits or the queue is shut down. */
  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.metrics.incAdds?.();
    this.#dirty.add(key);
    this.#queuedAt.set(key, this.clock.now());
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /**
   * get hands the next key to a worker, waiting until one is available. It resolves `undefined` once the queue is
   * shut down; the caller must call `done(key)` for every key it receives.
   */
  get(): Promise<K | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.len() > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** done releases a key taken with `get`; if it was added again meanwhile it is queued now. */
  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    const started = this.#startedAt.get(key);
    this.#startedAt.delete(key);
    if (started !== undefined) this.metrics.observeWorkDurationMs?.(this.clock.now() - started);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) this.#releaseDrainWaiters();
  }

  /** len is the number of keys waiting to be handed out (not counting those being processed). */
  len(): number {
    return this.#queue.length - this.#head;
  }

  /** processingCount is the number of keys currently held by workers. */
  processingCount(): number {
    return this.#processing.size;
  }

  /** shutDown stops the queue: further adds are ignored and every current and future `get` resolves `undefined`. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
    if (this.#processing.size === 0) this.#releaseDrainWaiters();
  }

  /** shutDownWithDrain shuts down and resolves once every key held by a worker has been marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  #push(key: K): void {
    this.#queue.push(key);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(this.#take());
    else this.metrics.setDepth?.(this.len());
  }

  #take(): K {
    const key = this.#queue[this.#head] as K;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    const now = this.clock.now();
    const queued = this.#queuedAt.get(key);
    this.#queuedAt.delete(key);
    if (queued !== undefined) this.metrics.observeQueueLatencyMs?.(now - queued);
    this.#startedAt.set(key, now);
    this.metrics.setDepth?.(this.len());
    return key;
  }

  #releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }
}
