/**
 * @module The in-memory table of current objects that both stores serve get and list from.
 */
import type { KubeObject } from '@skiff/api';
import type { ListKey, ListRange, ResourceKey } from './storage.js';
import { LazyObject, type StoredObject } from './stored-object.js';

/** CachedObject is one current object (its text; parsed on demand) with what the store keeps beside it. */
export class CachedObject extends LazyObject implements ResourceKey, StoredObject {
  constructor(
    readonly resource: string,
    readonly namespace: string,
    readonly name: string,
    json: string,
    readonly revision: number,
    /** Epoch milliseconds after which expire() deletes the object; null for no TTL. */
    readonly expiresAt: number | null,
    parsed?: KubeObject,
  ) {
    super(json, parsed);
  }
}

interface ResourceObjects {
  byNamespace: Map<string, Map<string, CachedObject>>;
  count: number;
  /** Sorted lists (of entries, so no parsed object is kept alive), dropped when their namespace changes. */
  sortedByNamespace: Map<string, CachedObject[]>;
  sortedAll: CachedObject[] | undefined;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * ObjectCache keeps current objects in nested Maps (resource → namespace → name) with per-resource counts, so get
 * is a lookup, stats never counts rows, and list sorts only namespaces written since the last list. Ordering is by
 * UTF-16 code unit, which matches SQLite's BINARY collation for the ASCII names Kubernetes allows.
 */
export class ObjectCache {
  private readonly resources = new Map<string, ResourceObjects>();
  private readonly withTtl = new Set<CachedObject>();

  get(key: ResourceKey): CachedObject | undefined {
    return this.resources.get(key.resource)?.byNamespace.get(key.namespace)?.get(key.name);
  }

  /** set inserts or replaces the object under its key. */
  set(entry: CachedObject): void {
    const res = this.resourceObjects(entry.resource);
    let names = res.byNamespace.get(entry.namespace);
    if (!names) {
      names = new Map();
      res.byNamespace.set(entry.namespace, names);
    }
    const prev = names.get(entry.name);
    if (prev) this.withTtl.delete(prev);
    else res.count++;
    names.set(entry.name, entry);
    if (entry.expiresAt !== null) this.withTtl.add(entry);
    // An update keeps the key's place: swap the object into the sorted lists rather than sort them again, so a
    // paged read of a large list under steady status updates costs a page, not a sort.
    if (!prev || !this.replaceSorted(res, entry)) this.invalidate(res, entry.namespace);
  }

  delete(key: ResourceKey): void {
    const res = this.resources.get(key.resource);
    const names = res?.byNamespace.get(key.namespace);
    const prev = names?.get(key.name);
    if (!res || !names || !prev) return;
    names.delete(key.name);
    if (names.size === 0) res.byNamespace.delete(key.namespace);
    res.count--;
    this.withTtl.delete(prev);
    this.invalidate(res, key.namespace);
  }

  /** list returns a fresh array (the objects in it are shared) ordered by namespace, then name. */
  list(resource: string, namespace?: string): KubeObject[] {
    const res = this.resources.get(resource);
    if (!res) return [];
    const sorted = namespace !== undefined ? this.sortedNamespace(res, namespace) : this.sortedAllOf(res);
    return sorted.map((e) => e.object);
  }

  /** range reads the list of `list(resource, namespace)` from the first key after `after`, sharing its sorted array. */
  range(resource: string, namespace: string | undefined, after: ListKey | undefined): ListRange {
    const res = this.resources.get(resource);
    if (!res) return { count: 0, entries: [], objects: [] };
    const sorted = namespace !== undefined ? this.sortedNamespace(res, namespace) : this.sortedAllOf(res);
    const start = after ? firstAfter(sorted, after) : 0;
    function* entries(i: number): Generator<StoredObject> {
      for (; i < sorted.length; i++) yield sorted[i] as CachedObject;
    }
    function* objects(i: number): Generator<KubeObject> {
      for (; i < sorted.length; i++) yield (sorted[i] as CachedObject).object;
    }
    return { count: sorted.length - start, entries: entries(start), objects: objects(start) };
  }

  /** counts returns objects per resource; a resource whose objects were all deleted reports 0. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [resource, res] of this.resources) out[resource] = res.count;
    return out;
  }

  /** expiredAt returns objects whose TTL ran out at `nowMs`, soonest first, scanning only objects with a TTL. */
  expiredAt(nowMs: number): CachedObject[] {
    const out: CachedObject[] = [];
    for (const entry of this.withTtl) if (entry.expiresAt !== null && entry.expiresAt <= nowMs) out.push(entry);
    return out.sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0));
  }

  clear(): void {
    this.resources.clear();
    this.withTtl.clear();
  }

  private resourceObjects(resource: string): ResourceObjects {
    let res = this.resources.get(resource);
    if (!res) {
      res = { byNamespace: new Map(), count: 0, sortedByNamespace: new Map(), sortedAll: undefined };
      this.resources.set(resource, res);
    }
    return res;
  }

  private sortedAllOf(res: ResourceObjects): CachedObject[] {
    if (!res.sortedAll) {
      const all: CachedObject[] = [];
      for (const ns of [...res.byNamespace.keys()].sort(byCodeUnit)) {
        for (const obj of this.sortedNamespace(res, ns)) all.push(obj);
      }
      res.sortedAll = all;
    }
    return res.sortedAll;
  }

  private sortedNamespace(res: ResourceObjects, namespace: string): CachedObject[] {
    let sorted = res.sortedByNamespace.get(namespace);
    if (!sorted) {
      const names = res.byNamespace.get(namespace);
      if (!names) return [];
      sorted = [...names.values()].sort((a, b) => byCodeUnit(a.name, b.name));
      res.sortedByNamespace.set(namespace, sorted);
    }
    return sorted;
  }

  /** replaceSorted puts an updated object in its place in the cached sorted lists; false if it is not found there. */
  private replaceSorted(res: ResourceObjects, entry: CachedObject): boolean {
    const key = { namespace: entry.namespace, name: entry.name };
    for (const sorted of [res.sortedByNamespace.get(entry.namespace), res.sortedAll]) {
      if (!sorted) continue;
      const i = firstAfter(sorted, key) - 1;
      if (i < 0 || compareListKeys(sorted[i] as CachedObject, key) !== 0) return false;
      sorted[i] = entry;
    }
    return true;
  }

  private invalidate(res: ResourceObjects, namespace: string): void {
    res.sortedByNamespace.delete(namespace);
    res.sortedAll = undefined;
  }
}

/** compareListKeys orders keys as lists are ordered: namespace, then name, by UTF-16 code unit. */
export function compareListKeys(a: ListKey, b: ListKey): number {
  return byCodeUnit(a.namespace, b.namespace) || byCodeUnit(a.name, b.name);
}

/** listKeyOf is the list position of a stored object. */
export function listKeyOf(obj: KubeObject): ListKey {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

/** firstAfter binary-searches a sorted list for the index of the first object whose key sorts after `after`. */
function firstAfter(sorted: readonly ListKey[], after: ListKey): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareListKeys(sorted[mid] as ListKey, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
