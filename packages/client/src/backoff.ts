/**
 * @module Jittered exponential backoff for reconnecting watches.
 */

/** BackoffOptions tunes Backoff; the defaults suit reconnecting to a local api-server. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction of each delay that is randomized away (0 = none, 1 = full jitter). */
  jitter?: number;
  random?: () => number;
}

/**
 * Backoff hands out growing delays (100 ms doubling to 5 s by default) with jitter, so that many clients cut off by
 * one api-server restart do not all reconnect in the same instant. `reset()` after a success starts over.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.#initialMs = opts.initialMs ?? 100;
    this.#maxMs = opts.maxMs ?? 5_000;
    this.#factor = opts.factor ?? 2;
    this.#jitter = opts.jitter ?? 0.5;
    this.#random = opts.random ?? Math.random;
  }

  /** next returns the delay before the next attempt and advances the schedule. */
  next(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempt);
    if (base < this.#maxMs) this.#attempt++;
    return Math.round(base * (1 - this.#jitter * this.#random()));
  }

  /** reset starts the schedule over; call it once a connection has succeeded. */
  reset(): void {
    this.#attempt = 0;
  }
}
