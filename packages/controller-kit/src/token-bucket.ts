import { realClock } from './clock.js';
import type { Clock } from './clock.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  qps: number;
  /** Most tokens the bucket holds, and how many it starts with. */
  burst: number;
  clock?: Clock;
}

/**
 * TokenBucket refills `qps` tokens a second up to `burst`, after Go's golang.org/x/time/rate.Limiter that client-go's
 * limiters are built on. Time is read from the injected clock, so tests drive it with a FakeClock.
 */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(opts: TokenBucketOptions) {
    this.qps = opts.qps;
    this.burst = opts.burst;
    this.#clock = opts.clock ?? realClock;
    this.#tokens = opts.burst;
    this.#last = this.#clock.now();
  }

  /** reserve takes a token even if it has to be borrowed, returning how long to wait until it is due (Reserve). */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.qps;
  }

  /** tryTake takes a token only if one is there now (Allow). */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
    this.#last = now;
  }
}
