import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { TokenBucket } from '../token-bucket.js';

/**
 * RateLimiter decides how long a key waits before its next retry, after client-go default_rate_limiters.go.
 * `when` records a failure and returns the delay; `forget` clears the key's history after a success.
 */
export interface RateLimiter<K> {
  when(key: K): number;
  forget(key: K): void;
  numRequeues(key: K): number;
}

/**
 * ItemExponentialFailureRateLimiter backs a failing key off exponentially (base * 2^failures, capped at max), so a
 * broken object is retried quickly at first and then left alone, without slowing other keys.
 */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  #failures = new Map<K, number>();

  constructor(
    readonly baseMs = 5,
    readonly maxMs = 1_000_000,
  ) {}

  when(key: K): number {
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    const backoff = this.baseMs * 2 ** exp;
    return Number.isFinite(backoff) && backoff < this.maxMs ? backoff : this.maxMs;
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * BucketRateLimiter is a token bucket over all keys (qps refill, burst capacity): it caps a controller's overall
 * retry rate when many keys fail at once. Each call reserves a token, like Go's rate.Limiter.Reserve().
 */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  readonly #bucket: TokenBucket;

  constructor(
    readonly qps = 50,
    readonly burst = 300,
    clock: Clock = realClock,
  ) {
    this.#bucket = new TokenBucket({ qps, burst, clock });
  }

  when(_key: K): number {
    return this.#bucket.reserve();
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** MaxOfRateLimiter answers the longest delay of its limiters, so both the per-key and the global limit hold. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly limiters: ReadonlyArray<RateLimiter<K>>;

  constructor(...limiters: Array<RateLimiter<K>>) {
    this.limiters = limiters;
  }

  when(key: K): number {
    let ms = 0;
    for (const l of this.limiters) ms = Math.max(ms, l.when(key));
    return ms;
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let n = 0;
    for (const l of this.limiters) n = Math.max(n, l.numRequeues(key));
    return n;
  }
}

/**
 * defaultControllerRateLimiter is what every controller uses unless it has a reason not to: per-key exponential
 * backoff from 5 ms to 1000 s, bounded overall by a 50 qps / 300 burst bucket.
 */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>(50, 300, clock),
  );
}
