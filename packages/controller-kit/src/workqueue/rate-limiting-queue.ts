import { DelayingQueue } from './delaying-queue.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import type { WorkQueueOptions } from './work-queue.js';

export interface RateLimitingQueueOptions<K> extends WorkQueueOptions {
  /** Defaults to defaultControllerRateLimiter() on the queue's clock. */
  rateLimiter?: RateLimiter<K>;
}

/**
 * RateLimitingQueue is the queue controllers use, after client-go rate_limiting_queue.go: a failed key comes back
 * through `addRateLimited` after its limiter's delay, and `forget` resets that delay once the key succeeds.
 */
export class RateLimitingQueue<K> extends DelayingQueue<K> {
  readonly rateLimiter: RateLimiter<K>;

  constructor(opts: RateLimitingQueueOptions<K> = {}) {
    super(opts);
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** addRateLimited re-adds a key after the delay its rate limiter assigns. */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    this.metrics.incRetries?.();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** forget clears the key's failure history; it does not remove the key from the queue. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** numRequeues is how many times the key has failed since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }
}
