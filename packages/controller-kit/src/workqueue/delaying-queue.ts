import type { TimerHandle } from '../clock.js';
import { WorkQueue } from './work-queue.js';

interface Waiting {
  readyAt: number;
  timer: TimerHandle;
}

/**
 * DelayingQueue adds `addAfter`, after client-go delaying_queue.go: a key is added once its delay has passed on the
 * injected Clock. A key already waiting keeps the sooner of its two ready times, so a short retry is never pushed
 * back by a long poll interval.
 */
export class DelayingQueue<K> extends WorkQueue<K> {
  #waiting = new Map<K, Waiting>();

  /** addAfter adds the key after `ms`; zero or negative adds it at once. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.#waiting.get(key);
    if (existing) {
      if (existing.readyAt <= readyAt) return;
      this.clock.clearTimeout(existing.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, ms);
    this.#waiting.set(key, { readyAt, timer });
  }

  /** waitingCount is the number of keys whose delay has not yet passed. */
  waitingCount(): number {
    return this.#waiting.size;
  }

  override shutDown(): void {
    for (const w of this.#waiting.values()) this.clock.clearTimeout(w.timer);
    this.#waiting.clear();
    super.shutDown();
  }
}
