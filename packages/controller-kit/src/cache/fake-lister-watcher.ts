import { objectKey } from '@skiff/api';
import type { KubeList, WatchEvent } from '@skiff/api';
import type { HasMetadata, ListOptions, ListerWatcher, WatchHandle, WatchHandlers, WatchOptions } from './lister-watcher.js';

interface FakeWatch<T> {
  opts: WatchOptions;
  handlers: WatchHandlers<T>;
  end(): void;
}

/**
 * FakeListerWatcher is an in-memory ListerWatcher for tests of anything built on informers. It stamps a global
 * resourceVersion on every change, pushes events to open watches synchronously, and can simulate what the real
 * client does on trouble: `simulateGone` (a 410 the client recovers from by relisting) and `endWatches` (a watch the
 * client gave up on). Only the namespace option filters; label and field selectors are recorded, not applied.
 */
export class FakeListerWatcher<T extends HasMetadata> implements ListerWatcher<T> {
  readonly listCalls: ListOptions[] = [];
  readonly watchCalls: WatchOptions[] = [];
  #items = new Map<string, T>();
  #rv = 0;
  #watches = new Set<FakeWatch<T>>();
  #listErrors: unknown[] = [];
  #silent = false;

  constructor(items: T[] = []) {
    for (const item of items) this.#store(item);
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  watcherCount(): number {
    return this.#watches.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  async list(opts: ListOptions = {}): Promise<KubeList<T>> {
    this.listCalls.push(opts);
    if (this.#listErrors.length > 0) throw this.#listErrors.shift();
    return this.#list(opts.namespace);
  }

  watch(opts: WatchOptions, handlers: WatchHandlers<T>): WatchHandle {
    this.watchCalls.push(opts);
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const w: FakeWatch<T> = {
      opts,
      handlers,
      end: () => {
        if (this.#watches.delete(w)) resolveDone();
      },
    };
    this.#watches.add(w);
    queueMicrotask(() => handlers.onConnect?.());
    const fake = this;
    return {
      stop: () => w.end(),
      get resourceVersion() {
        return fake.resourceVersion;
      },
      done,
    };
  }

  /** add creates or replaces an object and emits ADDED; it returns the stored copy with its resourceVersion. */
  add(obj: T): T {
    return this.#emit('ADDED', this.#store(obj));
  }

  /** modify replaces an object and emits MODIFIED. */
  modify(obj: T): T {
    return this.#emit('MODIFIED', this.#store(obj));
  }

  /** delete removes an object (by object or key) and emits DELETED with its final state. */
  delete(objOrKey: T | string): T | undefined {
    const key = typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey);
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#items.delete(key);
    const final = structuredClone(old);
    final.metadata.resourceVersion = String(++this.#rv);
    return this.#emit('DELETED', final);
  }

  /** bookmark emits a BOOKMARK at the current resourceVersion. */
  bookmark(): void {
    const obj = { apiVersion: 'v1', kind: 'Bookmark', metadata: { resourceVersion: this.resourceVersion } } as unknown as T;
    for (const w of [...this.#watches]) w.handlers.onEvent({ type: 'BOOKMARK', object: obj });
  }

  /** emitRaw pushes an arbitrary event (an ERROR Status, say) to every open watch. */
  emitRaw(ev: WatchEvent<T>): void {
    for (const w of [...this.#watches]) w.handlers.onEvent(ev);
  }

  /** silently applies changes made inside `fn` without telling open watches, as if the events were missed. */
  silently(fn: () => void): void {
    this.#silent = true;
    try {
      fn();
    } finally {
      this.#silent = false;
    }
  }

  /** simulateGone does what the client does after a 410: hands every open watch a fresh list through onRelist. */
  simulateGone(): void {
    for (const w of [...this.#watches]) w.handlers.onRelist?.(this.#list(w.opts.namespace));
  }

  /** endWatches reports `err` (if given) and ends every open watch, as a client does when it gives up. */
  endWatches(err?: unknown): void {
    for (const w of [...this.#watches]) {
      if (err !== undefined) w.handlers.onError?.(err);
      w.end();
    }
  }

  /** failNextList makes the next list call reject with `err`. */
  failNextList(err: unknown): void {
    this.#listErrors.push(err);
  }

  #store(obj: T): T {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(++this.#rv);
    this.#items.set(objectKey(copy), copy);
    return copy;
  }

  #emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): T {
    if (this.#silent) return obj;
    for (const w of [...this.#watches]) {
      const ns = w.opts.namespace;
      if (ns && obj.metadata.namespace !== ns) continue;
      w.handlers.onEvent({ type, object: structuredClone(obj) });
    }
    return obj;
  }

  #list(namespace: string | undefined): KubeList<T> {
    const items = [...this.#items.values()].filter((o) => !namespace || o.metadata.namespace === namespace);
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: this.resourceVersion },
      items: items.map((o) => structuredClone(o)),
    };
  }
}
