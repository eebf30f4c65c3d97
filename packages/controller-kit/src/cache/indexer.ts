import { objectKey } from '@skiff/api';
import type { IndexFunc, Indexers } from './index-funcs.js';
import type { HasMetadata } from './lister-watcher.js';

/** KeyFunc computes an object's cache key; the default is `objectKey` ("namespace/name"). */
export type KeyFunc<T> = (obj: T) => string;

export interface IndexerOptions<T> {
  keyFunc?: KeyFunc<T>;
  indexers?: Indexers<T>;
}

/**
 * Indexer is the informer's local cache: objects by key plus named secondary indexes kept in step on every write,
 * after client-go thread_safe_store.go and index.go. Objects in it are shared and must be treated as read-only;
 * copy with `structuredClone` before changing one.
 */
export class Indexer<T extends HasMetadata> {
  readonly keyFunc: KeyFunc<T>;
  #items = new Map<string, T>();
  #indexers = new Map<string, IndexFunc<T>>();
  #indices = new Map<string, Map<string, Set<string>>>();

  constructor(opts: IndexerOptions<T> = {}) {
    this.keyFunc = opts.keyFunc ?? objectKey;
    this.addIndexers(opts.indexers ?? {});
  }

  /** addIndexers adds index functions; existing content is indexed at once. Redefining a name is an error. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      const current = this.#indexers.get(name);
      if (current === fn) continue;
      if (current) throw new Error(`indexer ${JSON.stringify(name)} already exists`);
      this.#indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.#indices.set(name, index);
      for (const [key, obj] of this.#items) addToIndex(index, fn(obj), key);
    }
  }

  /** add stores the object, replacing any object with the same key. */
  add(obj: T): void {
    const key = this.keyFunc(obj);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    this.#reindex(key, old, obj);
  }

  /** update is `add`: the store keeps one object per key. */
  update(obj: T): void {
    this.add(obj);
  }

  /** delete removes the object with the same key as `obj`. */
  delete(obj: T): void {
    this.deleteKey(this.keyFunc(obj));
  }

  /** deleteKey removes the object stored under `key`. */
  deleteKey(key: string): void {
    const old = this.#items.get(key);
    if (old === undefined) return;
    this.#items.delete(key);
    this.#reindex(key, old, undefined);
  }

  /** replace swaps the whole content for `items` (a relist) and rebuilds every index. */
  replace(items: readonly T[]): void {
    this.#items = new Map(items.map((o) => [this.keyFunc(o), o]));
    for (const [name, fn] of this.#indexers) {
      const index = new Map<string, Set<string>>();
      for (const [key, obj] of this.#items) addToIndex(index, fn(obj), key);
      this.#indices.set(name, index);
    }
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  listKeys(): string[] {
    return [...this.#items.keys()];
  }

  get size(): number {
    return this.#items.size;
  }

  /** byIndex returns the objects whose index function yields `value` under the named index. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.#items.get(k) as T);
  }

  /** indexKeys returns the keys of the objects indexed under `value`. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.#index(indexName);
    return [...(index.get(value) ?? [])];
  }

  /** listIndexFuncValues returns every value present in the named index. */
  listIndexFuncValues(indexName: string): string[] {
    return [...this.#index(indexName).keys()];
  }

  hasIndex(indexName: string): boolean {
    return this.#indexers.has(indexName);
  }

  #index(indexName: string): Map<string, Set<string>> {
    const index = this.#indices.get(indexName);
    if (!index) throw new Error(`index ${JSON.stringify(indexName)} does not exist`);
    return index;
  }

  #reindex(key: string, old: T | undefined, next: T | undefined): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name) as Map<string, Set<string>>;
      if (old !== undefined) removeFromIndex(index, fn(old), key);
      if (next !== undefined) addToIndex(index, fn(next), key);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    let keys = index.get(v);
    if (!keys) index.set(v, (keys = new Set()));
    keys.add(key);
  }
}

function removeFromIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    const keys = index.get(v);
    if (!keys) continue;
    keys.delete(key);
    if (keys.size === 0) index.delete(v);
  }
}
