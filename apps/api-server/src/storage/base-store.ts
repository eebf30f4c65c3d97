/**
 * @module The write path, read path and change fan-out that the memory and SQLite stores share.
 */
import { errors } from '@skiff/api';
import type { KubeObject } from '@skiff/api';
import { ChangeWindow } from './change-window.js';
import { ListenerSet } from './listener-set.js';
import type { ListenerErrorHandler } from './listener-set.js';
import { ObjectCache } from './object-cache.js';
import type { CachedObject } from './object-cache.js';
import { storeErrors } from './store-errors.js';
import type { ChangeEvent, CompactOptions, ListResult, ResourceKey, Storage, StorageStats, WriteOptions } from './storage.js';

/** BaseStoreOptions are the settings every store takes. */
export interface BaseStoreOptions {
  /** Epoch milliseconds; stamps change-log entries (age-based compaction) and computes TTL expiry. */
  clock?: () => number;
  /** How many recent changes to keep in memory for watch resume. */
  windowSize?: number;
  /** Hears about listeners that throw; by default a process warning is emitted. */
  onListenerError?: ListenerErrorHandler;
}

/** PendingChange is one change on its way into the store: the event plus what is persisted beside it. */
export interface PendingChange {
  event: ChangeEvent;
  /** Commit time, epoch milliseconds. */
  ts: number;
  /** The object's expiry after this change (null: none, or the object is gone). */
  expiresAt: number | null;
}

/**
 * BaseStore implements Storage over an in-memory ObjectCache and ChangeWindow; subclasses decide where changes are
 * made durable (`persist`, all or nothing) and where history older than the window lives (`readChanges`). Checks
 * (exists, revision preconditions) run against the cache before persisting, and the cache, window and listeners
 * are updated only after `persist` returns, so a failed write leaves no trace.
 *
 * Objects passed to writes belong to the store afterwards (their metadata.resourceVersion is set in place); objects
 * returned and carried in events are shared and read-only, so callers clone before changing them.
 */
export abstract class BaseStore implements Storage {
  protected readonly objects = new ObjectCache();
  protected readonly window: ChangeWindow;
  protected readonly clock: () => number;
  protected revision = 0;
  protected compacted = 0;
  private readonly listeners: ListenerSet;
  private closed = false;

  protected constructor(opts: BaseStoreOptions, defaultWindowSize: number) {
    this.clock = opts.clock ?? Date.now;
    this.window = new ChangeWindow(opts.windowSize ?? defaultWindowSize);
    this.listeners = new ListenerSet(opts.onListenerError);
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  get(key: ResourceKey): KubeObject | undefined {
    return this.objects.get(key)?.object;
  }

  list(resource: string, namespace?: string): ListResult {
    return { items: this.objects.list(resource, namespace), revision: this.revision };
  }

  create(key: ResourceKey, obj: KubeObject, opts: WriteOptions = {}): KubeObject {
    this.assertOpen();
    if (this.objects.get(key)) throw storeErrors.alreadyExists(key);
    const ts = this.clock();
    const expiresAt = opts.ttlSeconds === undefined ? null : ts + opts.ttlSeconds * 1000;
    this.commit([this.written(key, 'ADDED', obj, undefined, ts, expiresAt)]);
    return obj;
  }

  /** update replaces the object; without ttlSeconds an object keeps the expiry it had. */
  update(key: ResourceKey, obj: KubeObject, opts: WriteOptions = {}): KubeObject {
    this.assertOpen();
    const prev = this.objects.get(key);
    if (!prev) throw storeErrors.notFound(key);
    if (opts.expectedRevision !== undefined && opts.expectedRevision !== prev.revision) throw storeErrors.conflict(key);
    const ts = this.clock();
    const expiresAt = opts.ttlSeconds === undefined ? prev.expiresAt : ts + opts.ttlSeconds * 1000;
    this.commit([this.written(key, 'MODIFIED', obj, prev.object, ts, expiresAt)]);
    return obj;
  }

  delete(key: ResourceKey, opts: WriteOptions = {}): KubeObject {
    this.assertOpen();
    const prev = this.objects.get(key);
    if (!prev) throw storeErrors.notFound(key);
    if (opts.expectedRevision !== undefined && opts.expectedRevision !== prev.revision) {
      throw storeErrors.conflict(
        key,
        `Precondition failed: ResourceVersion in precondition: ${opts.expectedRevision}, ResourceVersion in object meta: ${prev.revision}`,
      );
    }
    const change = this.deletion(prev, this.revision + 1, this.clock());
    this.commit([change]);
    return change.event.object;
  }

  changesSince(after: number, limit = Infinity): ChangeEvent[] {
    if (after < this.compacted) throw errors.expired(after, this.compacted);
    if (after >= this.revision || limit <= 0) return [];
    if (this.window.covers(after)) return this.window.since(after, limit);
    return this.readChanges(after, limit);
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** expire deletes every object whose TTL ran out at `nowMs` in one commit, one DELETED event (and revision) each. */
  expire(nowMs: number): number {
    this.assertOpen();
    const expired = this.findExpired(nowMs);
    if (expired.length === 0) return 0;
    const ts = this.clock();
    this.commit(expired.map((entry, i) => this.deletion(entry, this.revision + 1 + i, ts)));
    return expired.length;
  }

  abstract compact(opts: CompactOptions): void;

  stats(): StorageStats {
    return { objects: this.objects.counts(), revision: this.revision, compactedRevision: this.compacted, ...this.fileSizes() };
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  /** persist makes the changes durable, all or none; throwing aborts the write. */
  protected abstract persist(changes: readonly PendingChange[]): void;
  /** readChanges serves changesSince when the window no longer holds revision after+1. */
  protected abstract readChanges(after: number, limit: number): ChangeEvent[];
  protected abstract fileSizes(): { dbSizeBytes: number; walSizeBytes: number };

  /** onWindowDrop hears that the window pushed out `revision` to make room. */
  protected onWindowDrop(_revision: number): void {}

  /** findExpired lists objects whose TTL ran out, soonest first. */
  protected findExpired(nowMs: number): CachedObject[] {
    return this.objects.expiredAt(nowMs);
  }

  /** cutoffs turns compaction options into the newest revision and the newest commit time that may be dropped. */
  protected cutoffs(opts: CompactOptions): { maxRevision: number; maxTs: number } {
    return { maxRevision: this.revision - Math.max(0, opts.keepRevisions), maxTs: this.clock() - Math.max(0, opts.keepMs) };
  }

  private written(key: ResourceKey, type: 'ADDED' | 'MODIFIED', obj: KubeObject, prev: KubeObject | undefined, ts: number, expiresAt: number | null): PendingChange {
    const revision = this.revision + 1;
    // A fresh metadata object: callers that shallow-copy a cached object must not restamp the one they copied.
    obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
    const event: ChangeEvent = { resource: key.resource, namespace: key.namespace, name: key.name, revision, type, object: obj, objectJson: JSON.stringify(obj) };
    if (prev) event.prevObject = prev;
    return { event, ts, expiresAt };
  }

  private deletion(entry: CachedObject, revision: number, ts: number): PendingChange {
    const object: KubeObject = { ...entry.object, metadata: { ...entry.object.metadata, resourceVersion: String(revision) } };
    const event: ChangeEvent = {
      resource: entry.resource,
      namespace: entry.namespace,
      name: entry.name,
      revision,
      type: 'DELETED',
      object,
      prevObject: entry.object,
      objectJson: JSON.stringify(object),
    };
    return { event, ts, expiresAt: null };
  }

  private commit(changes: readonly PendingChange[]): void {
    this.persist(changes);
    for (const { event, ts, expiresAt } of changes) {
      if (event.type === 'DELETED') this.objects.delete(event);
      else {
        this.objects.set({ resource: event.resource, namespace: event.namespace, name: event.name, object: event.object, revision: event.revision, expiresAt });
      }
      this.revision = event.revision;
      const dropped = this.window.push(event, ts);
      if (dropped !== undefined) this.onWindowDrop(dropped);
    }
    this.listeners.emit(changes.map((c) => c.event));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}
