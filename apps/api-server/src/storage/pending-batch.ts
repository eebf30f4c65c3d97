/**
 * @module The writes a store has applied in memory and not yet committed: one group commit's worth.
 */
import type { PendingChange } from './base-store.js';
import type { CachedObject } from './object-cache.js';

/**
 * PendingBatch collects the changes of one group commit with what undoes each of them in memory, and the promise
 * that `sync()` hands out. The promise is made only when someone asks, so a batch nobody waits for costs nothing
 * and a failed one cannot become an unhandled rejection.
 */
export class PendingBatch {
  readonly changes: PendingChange[] = [];
  /** The cache entry each change replaced (undefined: there was none), index for index with `changes`. */
  readonly replaced: (CachedObject | undefined)[] = [];
  #done: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((err: unknown) => void) | undefined;

  /** @param startRevision the store's revision before the first change of the batch, restored on rollback. */
  constructor(readonly startRevision: number) {}

  add(change: PendingChange, replaced: CachedObject | undefined): void {
    this.changes.push(change);
    this.replaced.push(replaced);
  }

  /** done settles when the batch has committed (or failed to). */
  done(): Promise<void> {
    return (this.#done ??= new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    }));
  }

  resolve(): void {
    this.#resolve?.();
  }

  reject(err: unknown): void {
    this.#reject?.(err);
  }
}
