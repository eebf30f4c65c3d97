/**
 * @module The write path, read path and change fan-out that the memory and SQLite stores share.
 */
import { ApiError, errors } from '@skiff/api';
import type { KubeObject } from '@skiff/api';
import { ChangeWindow } from './change-window.js';
import { ListenerSet } from './listener-set.js';
import type { ListenerErrorHandler } from './listener-set.js';
import { goJson, goStringify } from './go-json.js';
import { CachedObject, ObjectCache } from './object-cache.js';
import { PendingBatch } from './pending-batch.js';
import { storeErrors } from './store-errors.js';
import { LazyObject, StoredChange } from './stored-object.js';
import type { ChangeEvent, CompactOptions, ListKey, ListRange, ListResult, ResourceKey, Storage, StorageStats, WriteOptions } from './storage.js';

/** BaseStoreOptions are the settings every store takes. */
export interface BaseStoreOptions {
  /** Epoch milliseconds; stamps change-log entries (age-based compaction) and computes TTL expiry. */
  clock?: () => number;
  /** How many recent changes to keep in memory for watch resume. */
  windowSize?: number;
  /** Hears about listeners that throw; by default a process warning is emitted. */
  onListenerError?: ListenerErrorHandler;
  /**
   * Group commit: apply writes in memory at once and commit them in batches, so one fsync covers many. A batch
   * starts at the end of the event-loop turn of its first write (setImmediate), or, while another batch is being
   * committed, when that one is done: at most one commit is in flight, and the writes applied meanwhile form the
   * next batch. Callers learn of durability from sync(). Off: each write commits before it returns, and throws if
   * its commit fails.
   */
  groupCommit?: boolean;
  /** Hears about a failed commit (after its writes were rolled back), whether or not anyone awaits sync(). */
  onCommitError?: (err: unknown) => void;
}

/** PendingChange is one change on its way into the store: the event plus what is persisted beside it. */
export interface PendingChange {
  event: ChangeEvent;
  /** The cache entry the change leaves (undefined for a deletion). */
  entry: CachedObject | undefined;
  /** Commit time, epoch milliseconds. */
  ts: number;
  /** The object's expiry after this change (null: none, or the object is gone). */
  expiresAt: number | null;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * MAX_OBJECT_BYTES is the largest object the store keeps, as JSON: etcd's default --max-request-bytes (1.5 MiB),
 * which is what bounds a stored object in Kubernetes. Writes of larger objects are refused with 413.
 */
export const MAX_OBJECT_BYTES = 1536 * 1024;

/**
 * BaseStore implements Storage over an in-memory ObjectCache and ChangeWindow; subclasses decide where changes are
 * made durable (`persist`, all or nothing, or `startPersist` off the event loop) and where history older than the
 * window lives (`readChanges`). Checks (exists, revision preconditions) run against the cache, which a write
 * updates at once, so the next write already sees it. The change window and listeners only ever see committed
 * changes. If a commit fails, every change of its batch, and of the batch applied after it while it was in flight,
 * is undone in the cache (newest first) and the revision goes back, so a failed write leaves no trace; whoever read
 * the undone state awaits a sync() that rejects.
 *
 * Objects passed to writes belong to the store afterwards (their metadata.resourceVersion is set in place); objects
 * returned and carried in events are shared and read-only, so callers clone before changing them.
 */
export abstract class BaseStore implements Storage {
  protected readonly objects = new ObjectCache();
  protected readonly window: ChangeWindow;
  protected readonly clock: () => number;
  protected revision = 0;
  /** The newest committed revision; subclasses that load history set it with `revision`. */
  protected durable = 0;
  protected compacted = 0;
  private readonly listeners: ListenerSet;
  private readonly groupCommit: boolean;
  private readonly onCommitError: ((err: unknown) => void) | undefined;
  /** The writes applied since the last commit started: the next batch. */
  private batch: PendingBatch | undefined;
  /** The batch being committed (startPersist has not called back yet). */
  private inFlight: PendingBatch | undefined;
  /** Counts failed commits, so commitPending can tell whether one of its own failed. */
  private failures = 0;
  private lastFailure: unknown;
  private closed = false;

  protected constructor(opts: BaseStoreOptions, defaultWindowSize: number) {
    this.clock = opts.clock ?? Date.now;
    this.window = new ChangeWindow(opts.windowSize ?? defaultWindowSize);
    this.listeners = new ListenerSet(opts.onListenerError);
    this.groupCommit = opts.groupCommit ?? false;
    this.onCommitError = opts.onCommitError;
  }

  currentRevision(): number {
    return this.revision;
  }

  durableRevision(): number {
    return this.durable;
  }

  ping(): void {
    if (this.closed) throw new Error('storage is closed');
    this.probe();
  }

  sync(): Promise<void> {
    // Batches commit in order and a failure fails every later one, so the newest settles last.
    const newest = this.batch ?? this.inFlight;
    return newest ? newest.done() : RESOLVED;
  }

  flush(): void {
    this.assertOpen();
    this.commitPending();
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

  listAfter(resource: string, namespace: string | undefined, after: ListKey | undefined): ListRange {
    return this.objects.range(resource, namespace, after);
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
    this.commit([this.written(key, 'MODIFIED', obj, prev, ts, expiresAt)]);
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

  changesSince(after: number, limit = Infinity, resource?: string): ChangeEvent[] {
    if (after < this.compacted) throw errors.expired(after, this.compacted);
    // Pending changes are neither in the window nor in the table yet: history ends at the durable revision.
    if (after >= this.durable || limit <= 0) return [];
    if (this.window.covers(after)) return this.window.since(after, limit, resource);
    return this.readChanges(after, limit, resource);
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
    if (this.closed) return;
    try {
      this.commitPending();
    } catch {
      // Already reported: sync() rejected and onCommitError heard it.
    }
    this.closed = true;
    this.listeners.clear();
  }

  /** probe reads from the backing store and throws if it cannot. */
  protected abstract probe(): void;
  /** persist makes the changes durable, all or none; throwing aborts the write. */
  protected abstract persist(changes: readonly PendingChange[]): void;

  /**
   * startPersist makes a group commit's changes durable, all or none, and calls `done` (with the error, if it
   * failed) exactly once when it is over. This one persists at once; a store that commits on another thread returns
   * before and calls `done` from an event, or from awaitPersist.
   */
  protected startPersist(changes: readonly PendingChange[], done: (err: unknown) => void): void {
    let failed: { err: unknown } | undefined;
    try {
      this.persist(changes);
    } catch (err) {
      failed = { err };
    }
    done(failed ? failed.err : undefined);
  }

  /** awaitPersist blocks until the commit startPersist started last has called its `done`. */
  protected awaitPersist(): void {}
  /** readChanges serves changesSince when the window no longer holds revision after+1. */
  protected abstract readChanges(after: number, limit: number, resource?: string): ChangeEvent[];
  protected abstract fileSizes(): { dbSizeBytes: number; walSizeBytes: number };

  /**
   * commitPending commits every applied write before it returns: it waits for the commit in flight, then commits
   * the rest. If one of these commits fails (rolled back, sync() rejected, reported), it throws that error.
   * Compaction calls it first so it cuts durable history only; close calls it so nothing is left behind.
   */
  protected commitPending(): void {
    const failures = this.failures;
    while (this.inFlight || this.batch) {
      if (!this.inFlight) this.startCommit();
      this.awaitPersist();
    }
    if (this.failures !== failures) throw this.lastFailure;
  }

  /**
   * recordCommitted hears that every revision through `revision` is committed, before any of it is acknowledged;
   * throwing fails the batch's sync() but keeps its writes, which are committed already.
   */
  protected recordCommitted(_revision: number): void {}

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

  private written(key: ResourceKey, type: 'ADDED' | 'MODIFIED', obj: KubeObject, prev: CachedObject | undefined, ts: number, expiresAt: number | null): PendingChange {
    const revision = this.revision + 1;
    // A fresh metadata object: callers that shallow-copy a cached object must not restamp the one they copied.
    obj.metadata = { ...obj.metadata, resourceVersion: String(revision) };
    const plain = JSON.stringify(obj);
    // The limit is on the object, not on its escaping: HTML in a ConfigMap must not count six bytes a character.
    const size = Buffer.byteLength(plain);
    if (size > MAX_OBJECT_BYTES) {
      const message = `Request entity too large: ${key.resource} "${key.name}" is ${size} bytes once encoded, and the limit for a stored object is ${MAX_OBJECT_BYTES} bytes`;
      throw new ApiError({ reason: 'RequestEntityTooLarge', message });
    }
    // Escaped once here as kube's encoder escapes every response: each one that sends stored text shares it.
    const json = goJson(plain);
    const entry = new CachedObject(key.resource, key.namespace, key.name, json, revision, expiresAt, obj);
    const event = new StoredChange(key.resource, key.namespace, key.name, revision, type, entry, prev);
    return { event, entry, ts, expiresAt };
  }

  private deletion(entry: CachedObject, revision: number, ts: number): PendingChange {
    const last = entry.object;
    const object: KubeObject = { ...last, metadata: { ...last.metadata, resourceVersion: String(revision) } };
    const event = new StoredChange(entry.resource, entry.namespace, entry.name, revision, 'DELETED', new LazyObject(goStringify(object), object), entry);
    return { event, entry: undefined, ts, expiresAt: null };
  }

  /** commit applies the changes to the cache at once and commits them now, or with the next batch. */
  private commit(changes: readonly PendingChange[]): void {
    let batch = this.batch;
    if (!batch) {
      batch = this.batch = new PendingBatch(this.revision);
      // With a commit in flight, its end starts this batch.
      if (this.groupCommit && !this.inFlight) setImmediate(() => this.startCommit());
    }
    for (const change of changes) {
      const { event, entry } = change;
      batch.add(change, this.objects.get(event));
      if (entry) this.objects.set(entry);
      else this.objects.delete(event);
      this.revision = event.revision;
    }
    if (!this.groupCommit) this.commitPending();
  }

  /** startCommit sends the pending batch to be committed, unless a commit is in flight (its end starts it). */
  private startCommit(): void {
    const batch = this.batch;
    if (!batch || this.inFlight) return;
    this.batch = undefined;
    this.inFlight = batch;
    this.startPersist(batch.changes, (err) => this.commitEnded(batch, err));
  }

  /** commitEnded hears how the commit of `batch` ended, publishes or undoes it, and starts the next batch. */
  private commitEnded(batch: PendingBatch, err: unknown): void {
    this.inFlight = undefined;
    const waiting = this.batch;
    if (err === undefined) this.publish(batch);
    else this.fail(batch, err);
    // Writes applied while it was in flight go next, now. A listener's write with none waiting started a batch
    // that waits for the end of this turn like any other.
    if (waiting && this.batch === waiting) this.startCommit();
  }

  /** publish hands a committed batch to the window and listeners, then resolves its sync(). */
  private publish(batch: PendingBatch): void {
    // Committed: from here on the batch stays, whatever happens, or memory would disagree with the file.
    let recordErr: unknown;
    try {
      this.recordCommitted((batch.changes[batch.changes.length - 1] as PendingChange).event.revision);
    } catch (err) {
      recordErr = err;
    }
    for (const { event, ts } of batch.changes) {
      this.durable = event.revision;
      const dropped = this.window.push(event, ts);
      if (dropped !== undefined) this.onWindowDrop(dropped);
    }
    this.listeners.emit(batch.changes.map((c) => c.event));
    if (recordErr === undefined) {
      batch.resolve();
      return;
    }
    // The writes are durable but nothing vouches for them yet: their requests fail (outcome unknown to the client,
    // as after a timeout) and the next commit records them.
    batch.reject(recordErr);
    this.onCommitError?.(recordErr);
  }

  /**
   * fail undoes a batch whose commit failed and the batch applied after it (built on its state), newest first, so
   * the revision goes back to before the failed one; both sync()s reject.
   */
  private fail(batch: PendingBatch, err: unknown): void {
    const later = this.batch;
    this.batch = undefined;
    if (later) this.rollback(later);
    this.rollback(batch);
    batch.reject(err);
    later?.reject(err);
    this.failures++;
    this.lastFailure = err;
    this.onCommitError?.(err);
  }

  /** rollback undoes a failed batch in the cache, newest change first, so each entry gets back what it replaced. */
  private rollback(batch: PendingBatch): void {
    for (let i = batch.changes.length - 1; i >= 0; i--) {
      const { event } = batch.changes[i] as PendingChange;
      const replaced = batch.replaced[i];
      if (replaced) this.objects.set(replaced);
      else this.objects.delete(event);
    }
    this.revision = batch.startRevision;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}
