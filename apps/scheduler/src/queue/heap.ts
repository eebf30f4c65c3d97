/**
 * @module Heap: a binary heap keyed by string, with update and delete by key (backend/heap/heap.go).
 */

/**
 * Heap keeps items ordered by `less` and indexed by key, so a queued pod can be updated or removed in O(log n)
 * when its informer event arrives.
 */
export class Heap<T> {
  readonly #items: Array<{ key: string; value: T }> = [];
  readonly #index = new Map<string, number>();

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#items[i]?.value;
  }

  /** addOrUpdate inserts, or replaces the value under an existing key and restores heap order. */
  addOrUpdate(key: string, value: T): void {
    const i = this.#index.get(key);
    if (i !== undefined) {
      this.#items[i] = { key, value };
      this.#fix(i);
      return;
    }
    this.#items.push({ key, value });
    this.#index.set(key, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  delete(key: string): T | undefined {
    const i = this.#index.get(key);
    if (i === undefined) return undefined;
    const removed = this.#items[i]!;
    const last = this.#items.pop()!;
    this.#index.delete(key);
    if (i < this.#items.length) {
      this.#items[i] = last;
      this.#index.set(last.key, i);
      this.#fix(i);
    }
    return removed.value;
  }

  peek(): T | undefined {
    return this.#items[0]?.value;
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (!top) return undefined;
    this.delete(top.key);
    return top.value;
  }

  values(): T[] {
    return this.#items.map((i) => i.value);
  }

  #fix(i: number): void {
    if (!this.#up(i)) this.#down(i);
  }

  #up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.#items[i]!.value, this.#items[parent]!.value)) break;
      this.#swap(i, parent);
      i = parent;
      moved = true;
    }
    return moved;
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let best = l;
      const r = l + 1;
      if (r < n && this.less(this.#items[r]!.value, this.#items[l]!.value)) best = r;
      if (!this.less(this.#items[best]!.value, this.#items[i]!.value)) return;
      this.#swap(i, best);
      i = best;
    }
  }

  #swap(a: number, b: number): void {
    const x = this.#items[a]!;
    const y = this.#items[b]!;
    this.#items[a] = y;
    this.#items[b] = x;
    this.#index.set(y.key, a);
    this.#index.set(x.key, b);
  }
}
