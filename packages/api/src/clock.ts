/**
 * @module Injected time: every loop of every component (controller-kit's queues and informers, the api-server's
 * watch and TTL timers) reads time and arms timers through a Clock, so tests can drive backoff, resync and lease
 * expiry with a FakeClock instead of waiting on the wall clock.
 */

declare const timerBrand: unique symbol;

/** TimerHandle is an opaque token returned by Clock.setTimeout; only the clock that made it can clear it. */
export interface TimerHandle {
  readonly [timerBrand]: true;
}

/** Clock abstracts `Date.now` and timers so time-driven code is deterministic under test. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** realClock is the process clock; timers are unref'd so a pending backoff never keeps Node alive by itself. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};

/**
 * sleep resolves after `ms` on the given clock, or early (without rejecting) when the signal aborts, so loops can
 * write `await sleep(clock, ms, signal); if (signal.aborted) break;`.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/** flushMicrotasks lets every promise chain that is ready run to its next real wait. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * FakeClock is a manual Clock for tests: time moves only through `advance`, `advanceAsync` or `setNow`, and due
 * timers run in due-time order (ties in the order they were set), each seeing `now()` equal to its due time.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, FakeTimer>();

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as unknown as number);
  }

  /** pendingTimers counts armed timers, so a test can check that a component cleaned up after itself. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** nextTimerAt is the due time of the earliest armed timer, if any. */
  nextTimerAt(): number | undefined {
    return this.#next()?.due;
  }

  /** advance moves time forward by `ms` synchronously, running due timers (including ones they set) in order. */
  advance(ms: number): void {
    this.#runUntil(this.#now + ms);
  }

  /** setNow jumps the clock to an absolute time; moving forward runs the timers that fall due. */
  setNow(ms: number): void {
    if (ms <= this.#now) {
      this.#now = ms;
      return;
    }
    this.#runUntil(ms);
  }

  /**
   * advanceAsync moves time forward like `advance`, but lets pending promise chains settle before and after every
   * timer, so async loops that `await sleep(...)` re-arm their next timer before time moves past it.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    while (this.#fireNext(target)) await flushMicrotasks();
    this.#now = Math.max(this.#now, target);
    await flushMicrotasks();
  }

  #runUntil(target: number): void {
    while (this.#fireNext(target));
    this.#now = Math.max(this.#now, target);
  }

  /** #fireNext runs the earliest timer due by `target`, moving time to it; false when none is due. */
  #fireNext(target: number): boolean {
    const next = this.#next();
    if (!next || next.due > target) return false;
    this.#timers.delete(next.id);
    this.#now = Math.max(this.#now, next.due);
    next.fn();
    return true;
  }

  #next(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
