/**
 * @module The Storage interface: the api-server's only view of persistence. One implementation on SQLite, one in
 * memory; both pass store.case.test.ts.
 *
 * Reads and writes are synchronous on purpose: Node runs one request handler at a time, so a registry can read,
 * compute and write (compare-and-swap on the revision) without another request interleaving. Durability is not
 * necessarily synchronous: a store may apply writes in memory at once and commit them later, many writes in one
 * transaction (group commit). `sync()` says when they are durable; nothing may be revealed to a client before.
 */
import type { KubeObject } from '@skiff/api';
import type { StoredObject } from './stored-object.js';

/** ResourceKey names a stored object: resource is the group-qualified plural ("pods", "deployments.apps"). */
export interface ResourceKey {
  resource: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** ListKey is a position in list order (namespace, then name, '' namespace for cluster-scoped objects). */
export interface ListKey {
  namespace: string;
  name: string;
}

/** ListRange is a key-ordered read: the objects after a key and how many there are. */
export interface ListRange {
  /** How many objects `objects` yields. */
  count: number;
  /** The objects in list order, read lazily: consume it before the next write to the store. */
  objects: Iterable<KubeObject>;
  /** The same, each with its key and stored JSON text, parsed only if `object` is read (consume it as `objects`). */
  entries: Iterable<StoredObject>;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * ChangeEvent is one committed change, in revision order. `object` carries metadata.resourceVersion = revision
 * (for DELETED: the last state, stamped with the delete's revision). `prevObject` is the state before a MODIFIED
 * or DELETED change, so a watcher can tell an object that stopped matching its selector.
 */
export interface ChangeEvent extends ResourceKey {
  revision: number;
  type: ChangeType;
  object: KubeObject;
  prevObject?: KubeObject;
  /** JSON.stringify(object) escaped as Go writes it (goJson), made once by the store so fan-out never serializes per watcher. */
  objectJson: string;
}

export interface WriteOptions {
  /** Compare-and-swap: fail with Conflict unless the stored object's revision equals this. */
  expectedRevision?: number;
  /** The object expires (is deleted, with a DELETED event) this many seconds after the write. Used for Events. */
  ttlSeconds?: number;
}

export interface ListResult {
  items: KubeObject[];
  /** The store revision the list is consistent with. */
  revision: number;
}

export interface StorageStats {
  /** Objects per resource. */
  objects: Record<string, number>;
  revision: number;
  compactedRevision: number;
  /** Bytes of the database file and its WAL (0 for the memory store). */
  dbSizeBytes: number;
  walSizeBytes: number;
}

export interface CompactOptions {
  /** Keep at least this many most recent changes. */
  keepRevisions: number;
  /** Keep changes younger than this many milliseconds. */
  keepMs: number;
}

/**
 * Storage holds current objects and a change log keyed by revision, written in one transaction. Objects passed in
 * belong to the store afterwards; objects returned are read-only (clone before changing them).
 */
export interface Storage {
  /** Latest revision, including writes applied in memory whose commit is still pending (0 for an empty store). */
  currentRevision(): number;
  /** ping reads from the backing store, throwing when it cannot serve (closed, file unreadable): the health check. */
  ping(): void;
  /** Latest durable revision: every change up to it is committed and has been passed to listeners. */
  durableRevision(): number;
  /**
   * sync resolves once every write made so far is durable (at once if none is pending). It rejects if their commit
   * failed; the store has then rolled those writes back, as if they had never been made.
   */
  sync(): Promise<void>;
  /**
   * flush commits every write made so far before it returns, waiting for a commit in flight if there is one (it
   * blocks the thread, for at most that commit and the next); throws if one of those commits fails, after rolling
   * it back as sync() would. For the rare reader that needs a moment with nothing pending (settle).
   */
  flush(): void;
  /** Changes after this revision can be replayed; a watch from an older revision gets 410 Expired. */
  compactedRevision(): number;

  /** The current object, possibly written by a commit still pending: await sync() before revealing it. */
  get(key: ResourceKey): KubeObject | undefined;
  /** All objects of a resource, in one namespace or (namespace undefined) all namespaces, ordered by namespace/name. */
  list(resource: string, namespace?: string): ListResult;
  /**
   * listAfter reads what `list(resource, namespace)` returns from the first object whose key sorts after `after`
   * (all of it when undefined), without copying the rest: paging takes a page at a time from a list of any size.
   */
  listAfter(resource: string, namespace: string | undefined, after: ListKey | undefined): ListRange;

  /** Create; throws ApiError AlreadyExists. Sets metadata.resourceVersion. */
  create(key: ResourceKey, obj: KubeObject, opts?: WriteOptions): KubeObject;
  /** Replace; throws ApiError NotFound, or Conflict when expectedRevision is stale. */
  update(key: ResourceKey, obj: KubeObject, opts?: WriteOptions): KubeObject;
  /** Remove; throws NotFound or Conflict. Returns the last state stamped with the delete's revision. */
  delete(key: ResourceKey, opts?: WriteOptions): KubeObject;

  /**
   * Durable changes with revision > `after`, oldest first, at most `limit`; with `resource`, only that resource's
   * (a paged list replays one resource's history). Throws ApiError Expired (410) if `after` < compactedRevision().
   */
  changesSince(after: number, limit?: number, resource?: string): ChangeEvent[];
  /** Called synchronously after each commit (never for a pending write), in revision order. Returns an unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;

  /** Delete objects whose ttl has run out (emitting DELETED); returns how many. */
  expire(nowMs: number): number;
  /** Commit pending writes, then drop change-log entries outside the window; checkpoint the WAL. */
  compact(opts: CompactOptions): void;

  stats(): StorageStats;
  /** Commit pending writes (a failure rejects their sync()), then release the store. */
  close(): void;
}
