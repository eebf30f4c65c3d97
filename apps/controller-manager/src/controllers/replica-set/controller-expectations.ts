import { realClock, type Clock } from '@skiff/controller-kit';

/** EXPECTATIONS_TTL_MS is how long unmet expectations block a controller before it stops trusting them. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  setAt: number;
}

/**
 * ControllerExpectations remembers, per controller key, the creations and deletions it issued but has not yet seen
 * come back through the informer, after kube's UIDTrackingControllerExpectations. While any are outstanding the
 * controller does not act on its (possibly stale) cache again, so a slow watch never makes it create twice. Deletions
 * are tracked by pod key, so a pod seen first as terminating and then as gone is counted once.
 * Expectations that are never met expire after EXPECTATIONS_TTL_MS (a lost watch event must not wedge a controller).
 */
export class ControllerExpectations {
  readonly #clock: Clock;
  readonly #items = new Map<string, Expectation>();

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  /** satisfied is true when nothing is outstanding for the key (or what is has expired). */
  satisfied(key: string): boolean {
    const e = this.#items.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.#clock.now() - e.setAt > EXPECTATIONS_TTL_MS;
  }

  /** expectCreations records that `count` creations are about to be issued. */
  expectCreations(key: string, count: number): void {
    this.#items.set(key, { adds: count, deletes: new Set(), setAt: this.#clock.now() });
  }

  /** expectDeletions records the keys of the objects about to be deleted. */
  expectDeletions(key: string, objectKeys: readonly string[]): void {
    this.#items.set(key, { adds: 0, deletes: new Set(objectKeys), setAt: this.#clock.now() });
  }

  /** creationObserved lowers the outstanding creations (seen in the informer, or the create failed). */
  creationObserved(key: string): void {
    const e = this.#items.get(key);
    if (e) e.adds--;
  }

  /** deletionObserved marks one deletion seen (or failed). */
  deletionObserved(key: string, objectKey: string): void {
    this.#items.get(key)?.deletes.delete(objectKey);
  }

  /** forget drops the key's expectations, when its controller object is gone. */
  forget(key: string): void {
    this.#items.delete(key);
  }
}
