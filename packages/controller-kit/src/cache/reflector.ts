import type { WatchEvent } from '@skiff/api';
import { realClock, sleep } from '../clock.js';
import type { Clock } from '../clock.js';
import { silentLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { HasMetadata, ListerWatcher, WatchHandle } from './lister-watcher.js';

/** ReflectorStore is what a reflector writes into: an Indexer, or an informer that also notifies handlers. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  /** replace swaps in a complete list; `resourceVersion` is the list's revision. */
  replace(items: T[], resourceVersion: string): void;
}

/** ResourceSelector narrows what a reflector lists and watches. */
export interface ResourceSelector {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ReflectorOptions<T extends HasMetadata> {
  /** Resource name for logs, e.g. "pods". */
  name?: string;
  lw: ListerWatcher<T>;
  store: ReflectorStore<T>;
  selector?: ResourceSelector;
  clock?: Clock;
  logger?: Logger;
  /** First delay before relisting after a failure; doubles per consecutive failure. Default 800 ms. */
  initialBackoffMs?: number;
  /** Cap of the relist backoff. Default 30 s. */
  maxBackoffMs?: number;
}

type WatchOutcome = 'stopped' | 'ended' | 'error' | 'gone';

/**
 * Reflector keeps a store equal to the server's state, after client-go tools/cache/reflector.go: it lists, replaces
 * the store with the result, then watches from the list's resourceVersion and applies each event. The client
 * reconnects a broken watch and recovers from 410 itself (handing us the relist through `onRelist`); when a watch
 * ends for good, or a list fails, the reflector lists again after an exponential backoff on the injected clock.
 */
export class Reflector<T extends HasMetadata> {
  readonly name: string;
  #lw: ListerWatcher<T>;
  #store: ReflectorStore<T>;
  #selector: ResourceSelector;
  #clock: Clock;
  #log: Logger;
  #initialBackoffMs: number;
  #maxBackoffMs: number;
  #synced = false;
  #lastSyncResourceVersion: string | undefined;
  #failures = 0;

  constructor(opts: ReflectorOptions<T>) {
    this.name = opts.name ?? 'objects';
    this.#lw = opts.lw;
    this.#store = opts.store;
    this.#selector = opts.selector ?? {};
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'reflector', resource: this.name });
    this.#initialBackoffMs = opts.initialBackoffMs ?? 800;
    this.#maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  }

  /** hasSynced is true once the first list has been written to the store. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** lastSyncResourceVersion is the newest revision the store reflects (from the list, events or bookmarks). */
  get lastSyncResourceVersion(): string | undefined {
    return this.#lastSyncResourceVersion;
  }

  /** run lists and watches until the signal aborts; it never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      const outcome = await this.#listAndWatch(signal, first);
      first = false;
      if (signal.aborted || outcome === 'stopped') break;
      if (outcome === 'gone') continue;
      const delay = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** this.#failures);
      this.#failures++;
      this.#log.info({ outcome, delayMs: delay, failures: this.#failures }, 'relisting after backoff');
      await sleep(this.#clock, delay, signal);
    }
  }

  async #listAndWatch(signal: AbortSignal, first: boolean): Promise<WatchOutcome | 'failed'> {
    let list;
    try {
      list = await this.#lw.list({ ...this.#selector, ...(first ? { resourceVersion: '0' } : {}) });
    } catch (err) {
      this.#log.warn({ err }, 'list failed');
      return 'failed';
    }
    if (signal.aborted) return 'stopped';
    const rv = list.metadata.resourceVersion ?? '';
    this.#store.replace(list.items, rv);
    this.#lastSyncResourceVersion = rv;
    if (!this.#synced) this.#log.debug({ resourceVersion: rv, count: list.items.length }, 'synced');
    this.#synced = true;
    return this.#watch(signal, rv);
  }

  #watch(signal: AbortSignal, resourceVersion: string): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      let handle: WatchHandle | undefined;
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        handle?.stop();
        resolve(outcome);
      };
      const onAbort = (): void => finish('stopped');
      try {
        handle = this.#lw.watch(
          { ...this.#selector, resourceVersion, allowWatchBookmarks: true },
          {
            onEvent: (ev) => {
              if (settled) return;
              const outcome = this.#apply(ev);
              if (outcome) finish(outcome);
            },
            onRelist: (list) => {
              if (settled) return;
              const rv = list.metadata.resourceVersion ?? '';
              this.#store.replace(list.items, rv);
              this.#lastSyncResourceVersion = rv;
              this.#failures = 0;
              this.#log.info({ resourceVersion: rv, count: list.items.length }, 'relisted after watch expired');
            },
            onError: (err) => this.#log.debug({ err }, 'watch error'),
            onConnect: () => this.#log.debug({}, 'watch connected'),
          },
        );
      } catch (err) {
        this.#log.warn({ err }, 'watch failed to start');
        finish('ended');
        return;
      }
      if (signal.aborted) {
        finish('stopped');
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      handle.done.then(
        () => finish('ended'),
        (err: unknown) => {
          if (!settled) this.#log.warn({ err }, 'watch ended with error');
          finish('ended');
        },
      );
    });
  }

  #apply(ev: WatchEvent<T>): WatchOutcome | undefined {
    this.#failures = 0;
    switch (ev.type) {
      case 'ADDED':
        this.#store.add(ev.object);
        break;
      case 'MODIFIED':
        this.#store.update(ev.object);
        break;
      case 'DELETED':
        this.#store.delete(ev.object);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = ev.object as unknown as { code?: number; message?: string };
        this.#log.warn({ code: status.code, message: status.message }, 'watch error event');
        return status.code === 410 ? 'gone' : 'error';
      }
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (rv) this.#lastSyncResourceVersion = rv;
    return undefined;
  }
}
