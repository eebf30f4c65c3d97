/**
 * @module WatchHub: fans committed changes out to every open watch, applying selectors per event.
 */
import type { Logger } from 'pino';
import { ApiError, errors, fieldsFor, type Clock, type KubeObject, type Status } from '@skiff/api';
import type { ChangeEvent, Storage } from '../storage/storage.js';
import { goStringify } from '../storage/go-json.js';
import { matches } from '../registry/registry.js';
import { partialObjectMetadata, printTable } from '../printers/index.js';
import { Watcher, type WatchRequest, type WatchSink } from './watcher.js';

export interface WatchHubOptions {
  store: Storage;
  /** Hears storage failures that end a watch. */
  logger?: Logger;
  clock: Clock;
  /** A watcher further behind than this many bytes is closed; it re-watches from its last revision. */
  maxBufferedBytes?: number;
  /**
   * A watcher whose peer has had bytes waiting and taken none of them for this long is closed at its next event,
   * however little it holds (kube's cacher closes a watcher that does not take an event within its dispatch
   * budget: "Forcing watcher close due to unresponsiveness"). Default 2 s.
   */
  stallTimeoutMs?: number;
  /** How often watchers that asked for bookmarks get one. */
  bookmarkIntervalMs?: number;
  /** Watches without timeoutSeconds end after a random time in [min, 2*min], as kube-apiserver's --min-request-timeout. */
  minRequestTimeoutSeconds?: number;
  /**
   * How long a request for a resourceVersion the store has not reached waits for it before the answer is 504
   * "Too large resource version" (kube's watch cache blockTimeout, 3 s).
   */
  blockTimeoutMs?: number;
  onWatcherCountChange?: (request: WatchRequest, delta: number) => void;
}

/** How many watchers' sockets one turn of the event loop writes to before letting requests in. */
const WRITE_SLICE = 200;

/** The longest delay a Node timer holds; a longer one fires at once (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * watchTimeoutMs is kube's GetTimeoutForWatch: timeoutSeconds unset or 0 means a random time in
 * [minRequestTimeout, 2*minRequestTimeout]; a negative one ends the watch at once. Go's timer holds any
 * timeoutSeconds a client sends; a Node timer does not, so longer ones are clamped to ~24.8 days, after which the
 * watch ends as any timed-out watch does and the client re-watches from its last revision.
 */
export function watchTimeoutMs(timeoutSeconds: number | undefined, minRequestTimeoutSeconds: number, random: () => number = Math.random): number {
  const seconds = timeoutSeconds ? timeoutSeconds : minRequestTimeoutSeconds * (1 + random());
  return Math.min(Math.max(seconds * 1000, 0), MAX_TIMER_MS);
}

/**
 * WatchHub encodes each change once into a Buffer and hands the same Buffer to every watcher whose selector matches.
 * Fan-out runs after the write's response (setImmediate). Lines are queued per watcher and written in one call per
 * watcher per flush, at most WRITE_SLICE watchers per turn, so a burst of events to many watchers costs one syscall
 * each and never holds incoming requests for long. A watcher that cannot keep up is dropped rather than buffered
 * without bound, so no watcher can stall the server or the others.
 *
 * Only committed changes reach the hub (store listeners), and revisions it reports come from durableRevision():
 * a watcher never sees, nor is told to resume past, a write that could still be lost. Callers of `start` wait for
 * the store to settle first, since a start replays current state.
 */
export class WatchHub {
  readonly #store: Storage;
  readonly #log: Logger | undefined;
  readonly #clock: WatchHubOptions['clock'];
  readonly #byResource = new Map<string, Set<Watcher>>();
  readonly #pending: ChangeEvent[] = [];
  readonly #maxBuffered: number;
  readonly #stallTimeoutMs: number;
  readonly #minTimeout: number;
  readonly #blockTimeoutMs: number;
  readonly #onCount: WatchHubOptions['onWatcherCountChange'];
  readonly #unsubscribe: () => void;
  /** Watchers with queued lines, in the order they got them. */
  readonly #dirty = new Set<Watcher>();
  #flushScheduled = false;
  #writeScheduled = false;
  #bookmarkTimer: NodeJS.Timeout | undefined;

  constructor(opts: WatchHubOptions) {
    this.#store = opts.store;
    this.#log = opts.logger;
    this.#clock = opts.clock;
    this.#maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.#stallTimeoutMs = opts.stallTimeoutMs ?? 2000;
    this.#minTimeout = opts.minRequestTimeoutSeconds ?? 1800;
    this.#blockTimeoutMs = opts.blockTimeoutMs ?? 3000;
    this.#onCount = opts.onWatcherCountChange;
    this.#unsubscribe = this.#store.subscribe((ev) => this.#enqueue(ev));
    const every = opts.bookmarkIntervalMs ?? 15_000;
    this.#bookmarkTimer = setInterval(() => this.#sendBookmarks(), every);
    this.#bookmarkTimer.unref();
  }

  get size(): number {
    let n = 0;
    for (const set of this.#byResource.values()) n += set.size;
    return n;
  }

  /**
   * waitUntilFresh resolves once every change up to `revision` is durable, or after blockTimeoutMs, whichever
   * comes first (kube's waitUntilFreshAndBlock); it reports which. Requests for a resourceVersion call it before
   * they read, so one that names a revision the store has not reached is answered "too large" rather than left
   * waiting in silence.
   */
  waitUntilFresh(revision: number): Promise<boolean> {
    if (this.#store.durableRevision() >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (fresh: boolean): void => {
        unsubscribe();
        this.#clock.clearTimeout(timer);
        resolve(fresh);
      };
      const unsubscribe = this.#store.subscribe((ev) => {
        if (ev.revision >= revision) finish(true);
      });
      const timer = this.#clock.setTimeout(() => finish(false), this.#blockTimeoutMs);
    });
  }

  /**
   * start begins a watch: replays current objects (rv unset or 0) or the changes after rv, then streams live
   * changes. A revision older than the kept history gets an ERROR event with a 410 Expired Status and the stream
   * ends; so does one newer than the store (504 Too large resource version: call waitUntilFresh first). Both are
   * ERROR events on the open stream, as kube's cacher answers once the resourceVersion has parsed.
   */
  start(request: WatchRequest, sink: WatchSink): Watcher {
    const watcher = new Watcher(request, sink, () => this.#remove(watcher));
    const rv = request.resourceVersion;
    if (rv !== undefined && rv > this.#store.durableRevision()) {
      return this.#fail(watcher, errors.tooLargeResourceVersion(rv, this.#store.durableRevision()).toStatus());
    }
    if (request.sendInitialEvents === true || (request.sendInitialEvents === undefined && (rv === undefined || rv === 0))) {
      // The stored text of each object: an unfiltered replay parses none of them.
      const revision = this.#store.currentRevision();
      const filtered = !!request.filter.labelSelector || !!request.filter.fieldSelector;
      const objects = this.#store.listAfter(request.resource, request.namespace, undefined).entries;
      for (const e of objects) if (!filtered || matches(request.info, e.object, request.filter)) this.#send(watcher, 'ADDED', e);
      watcher.lastRevision = revision;
      if (request.sendInitialEvents) this.#bookmark(watcher, INITIAL_EVENTS_END);
    } else if (rv === undefined || rv === 0) {
      watcher.lastRevision = this.#store.durableRevision(); // sendInitialEvents=false: changes from now on only
    } else {
      let changes: ChangeEvent[];
      try {
        changes = this.#store.changesSince(rv);
      } catch (err) {
        // The store answers 410 Expired itself; anything else is a storage failure, not a hint to relist.
        if (err instanceof ApiError) return this.#fail(watcher, err.toStatus());
        this.#log?.error({ err, resource: request.resource, resourceVersion: rv }, 'watch cannot read the change history');
        return this.#fail(watcher, errors.internal(`reading changes after resourceVersion ${rv}: ${(err as Error).message}`, err).toStatus());
      }
      watcher.lastRevision = rv;
      for (const ev of changes) this.#deliver(watcher, ev);
      watcher.lastRevision = Math.max(rv, this.#store.durableRevision());
    }
    if (watcher.closed) return watcher;
    let set = this.#byResource.get(request.resource);
    if (!set) this.#byResource.set(request.resource, (set = new Set()));
    set.add(watcher);
    this.#onCount?.(request, 1);
    watcher.timer = this.#clock.setTimeout(() => {
      if (request.allowBookmarks) this.#bookmark(watcher);
      watcher.close();
    }, watchTimeoutMs(request.timeoutSeconds, this.#minTimeout));
    return watcher;
  }

  /** fail ends a watch that cannot start with one ERROR event carrying the Status. */
  #fail(watcher: Watcher, status: Status): Watcher {
    watcher.sink.send([Buffer.from(goStringify({ type: 'ERROR', object: status }) + '\n')]);
    watcher.sink.close();
    watcher.closed = true;
    return watcher;
  }

  /** close ends every watch (server shutdown); clients re-watch from their last revision elsewhere or later. */
  close(): void {
    this.#unsubscribe();
    if (this.#bookmarkTimer) clearInterval(this.#bookmarkTimer);
    for (const set of this.#byResource.values()) for (const w of [...set]) w.close();
  }

  #remove(watcher: Watcher): void {
    if (watcher.timer !== undefined) this.#clock.clearTimeout(watcher.timer);
    const set = this.#byResource.get(watcher.request.resource);
    if (set?.delete(watcher)) this.#onCount?.(watcher.request, -1);
  }

  #enqueue(ev: ChangeEvent): void {
    if (!this.#byResource.get(ev.resource)?.size) return;
    this.#pending.push(ev);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    for (const ev of batch) {
      const set = this.#byResource.get(ev.resource);
      if (!set) continue;
      const cache: EventCache = {};
      for (const w of set) this.#deliver(w, ev, cache);
    }
    // The first slice goes out in this turn; #write scheduled the rest.
    this.#writeOut();
  }

  /** writeOut flushes the outboxes of up to WRITE_SLICE watchers, oldest first, and schedules itself for the rest. */
  #writeOut(): void {
    this.#writeScheduled = false;
    let n = 0;
    for (const w of this.#dirty) {
      if (n++ === WRITE_SLICE) break;
      this.#dirty.delete(w);
      w.flush();
    }
    if (this.#dirty.size > 0 && !this.#writeScheduled) {
      this.#writeScheduled = true;
      setImmediate(() => this.#writeOut());
    }
  }

  /** deliver sends one change to one watcher as the event type its selector implies (DELETED when it stops matching). */
  #deliver(w: Watcher, ev: ChangeEvent, cache: EventCache = {}): void {
    if (w.closed || ev.revision <= w.lastRevision) return;
    const req = w.request;
    if (req.resource !== ev.resource) return;
    if (req.namespace && req.namespace !== ev.namespace) return;
    w.lastRevision = ev.revision;
    const unfiltered = w.filterKey === undefined;
    const now = unfiltered || matchesCached(w, ev.object, cache, 'now');
    let type: 'ADDED' | 'MODIFIED' | 'DELETED' | undefined;
    if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (ev.type === 'DELETED') type = now ? 'DELETED' : undefined;
    else {
      const before = unfiltered || (ev.prevObject !== undefined && matchesCached(w, ev.prevObject, cache, 'before'));
      type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    }
    if (!type) return;
    if (req.table || req.metadataOnly || req.convert) {
      this.#send(w, type, { get object() { return ev.object; }, json: ev.objectJson });
      return;
    }
    const line = (cache[type] ??= Buffer.from(`{"type":"${type}","object":${ev.objectJson}}\n`));
    this.#write(w, line);
  }

  /** send writes one object as an event; `stored.object` is read (parsed) only for a table or metadata watch. */
  #send(w: Watcher, type: string, stored: { readonly object: KubeObject; readonly json: string }): void {
    const req = w.request;
    if (req.table) {
      const obj = stored.object;
      const table = printTable(req.info.plural, [obj], {
        nowMs: this.#clock.now(),
        includeObject: req.table.includeObject,
        noHeaders: w.headersSent,
        resourceVersion: obj.metadata.resourceVersion,
      });
      if (req.table.apiVersion !== 'meta.k8s.io/v1') (table as { apiVersion: string }).apiVersion = req.table.apiVersion;
      if (req.convert && req.table.includeObject === 'Object') for (const row of table.rows) row.object = req.convert(row.object as KubeObject);
      w.headersSent = true;
      this.#write(w, Buffer.from(goStringify({ type, object: table }) + '\n'));
      return;
    }
    if (req.metadataOnly) {
      this.#write(w, Buffer.from(`{"type":"${type}","object":${goStringify(partialObjectMetadata(stored.object, req.metadataOnly))}}\n`));
      return;
    }
    this.#write(w, Buffer.from(`{"type":"${type}","object":${req.convert ? goStringify(req.convert(stored.object)) : stored.json}}\n`));
  }

  /**
   * write queues a line for the watcher (keeping its order with events already queued) and schedules the write,
   * or drops a watcher that is too far behind (maxBufferedBytes) or has stalled (stallTimeoutMs). The line is the
   * event's shared Buffer: a watcher that has stopped reading costs a reference in a queue until it is dropped.
   */
  #write(w: Watcher, line: Buffer): void {
    const buffered = w.sink.buffered();
    const behind = buffered + w.queuedBytes > this.#maxBuffered;
    if (behind || this.#stalled(w, buffered)) {
      // As kube's "Forcing watcher close due to unresponsiveness": the client re-watches from its last revision.
      this.#log?.info({ resource: w.request.resource, namespace: w.request.namespace, bufferedBytes: buffered + w.queuedBytes, reason: behind ? 'too far behind' : 'stalled' }, 'closing an unresponsive watcher');
      w.close(true);
      return;
    }
    w.queue(line);
    this.#dirty.add(w);
    if (!this.#writeScheduled) {
      this.#writeScheduled = true;
      setImmediate(() => this.#writeOut());
    }
  }

  /**
   * stalled tells whether the watcher's peer has taken none of the bytes waiting for it for stallTimeoutMs: the
   * sink holding fewer than right after the last flush (or none) is progress, however slow.
   */
  #stalled(w: Watcher, buffered: number): boolean {
    if (buffered === 0 || buffered < w.bufferedAfterFlush) {
      w.stalledSince = undefined;
      w.bufferedAfterFlush = buffered;
      return false;
    }
    const now = this.#clock.now();
    w.stalledSince ??= now;
    return now - w.stalledSince >= this.#stallTimeoutMs;
  }

  #bookmark(w: Watcher, annotations?: Record<string, string>): void {
    const { info } = w.request;
    const rv = String(Math.max(w.lastRevision, 0));
    const metadata = annotations ? { resourceVersion: rv, annotations } : { resourceVersion: rv };
    this.#write(w, Buffer.from(JSON.stringify({ type: 'BOOKMARK', object: { kind: info.kind, apiVersion: info.apiVersion, metadata } }) + '\n'));
  }

  #sendBookmarks(): void {
    if (this.#pending.length) this.#flush();
    const current = this.#store.durableRevision();
    for (const set of this.#byResource.values()) {
      for (const w of set) {
        if (!w.request.allowBookmarks || w.closed) continue;
        // Everything up to the current revision has been delivered (the flush above), so it is a safe resume point.
        w.lastRevision = Math.max(w.lastRevision, current);
        this.#bookmark(w);
      }
    }
  }
}

/** The bookmark that ends a streaming list's initial events (metav1.InitialEventsAnnotationKey). */
const INITIAL_EVENTS_END = { 'k8s.io/initial-events-end': 'true' };

/**
 * EventCache holds what one change costs to evaluate once for all watchers: its lines, its field sets, and whether
 * each distinct selector (by its canonical text, Watcher.filterKey) matches the object and the previous object.
 */
interface EventCache {
  ADDED?: Buffer;
  MODIFIED?: Buffer;
  DELETED?: Buffer;
  fields?: { now?: Record<string, string>; before?: Record<string, string> };
  now?: Map<string, boolean>;
  before?: Map<string, boolean>;
}

/** matchesCached evaluates a watcher's selectors against `obj` once per distinct selector per change. */
function matchesCached(w: Watcher, obj: KubeObject, cache: EventCache, slot: 'now' | 'before'): boolean {
  const memo = (cache[slot] ??= new Map());
  const key = w.filterKey as string;
  let hit = memo.get(key);
  if (hit === undefined) {
    const { labelSelector, fieldSelector } = w.request.filter;
    hit = !labelSelector || labelSelector.matches(obj.metadata.labels);
    if (hit && fieldSelector) {
      const fields = (cache.fields ??= {});
      hit = fieldSelector.matches((fields[slot] ??= fieldsFor(w.request.info.plural, obj)));
    }
    memo.set(key, hit);
  }
  return hit;
}
