/**
 * @module Storage on a SQLite file through better-sqlite3: the api-server's durable store.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { errors } from '@skiff/api';
import { BaseStore } from './base-store.js';
import type { BaseStoreOptions, PendingChange } from './base-store.js';
import { goJson } from './go-json.js';
import { CachedObject } from './object-cache.js';
import { commitError } from './commit-error.js';
import { committer } from './commit-rows.js';
import type { CommitRow } from './commit-rows.js';
import { CommitThread } from './commit-thread.js';
import { connectionPragmas, isMemoryPath, openDatabase } from './open-database.js';
import { RevisionRecord } from './revision-record.js';
import type { ChangeEvent, ChangeType, CompactOptions } from './storage.js';
import { LazyObject, StoredChange } from './stored-object.js';
import { rollbackError, StoreOpenError, storeOpenError } from './store-open-error.js';
import { identityTransformer } from './storage-transformer.js';
import type { StorageTransformer } from './storage-transformer.js';

/** SqliteStoreOptions configure SqliteStore.open; `windowSize` is the in-memory change window (default 10,000). */
export interface SqliteStoreOptions extends BaseStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Default FULL: no acknowledged write is lost on SIGKILL or power loss. NORMAL risks the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Open a database that holds less than its revision record vouches for (or whose record is damaged) instead of
   * refusing: the revision is bumped past the recorded one and all history is marked compacted, so no
   * resourceVersion a client saw is reused and every watch from before relists (etcdutl restore --bump-revision
   * --mark-compacted does the same).
   */
  acceptRollback?: boolean;
  /**
   * Transforms object text on its way to the file (encryption at rest); memory and events stay plain. At open every
   * value the transformer calls stale (another key, or none) is rewritten, history included.
   */
  transformer?: StorageTransformer;
  /**
   * With the commit thread: a batch that comes at least this long after the last commit ended is committed on
   * this connection, on the event loop, instead. Such a batch is an idle cluster's Lease renewal or status report,
   * alone: the thread saves it nothing (no request waits behind its fsync) and its hand-off (two thread wake-ups and
   * a message each way) cost about half as much again as the commit (bench/README.md, "Idle cluster"). Writes that
   * come closer together keep the thread. Unset: every batch goes to the thread.
   */
  quietCommitMs?: number;
}

/** RollbackInfo says what an accepted rollback skipped: the database held `found`, the record vouched for `recorded`. */
export interface RollbackInfo {
  recorded: number;
  found: number;
}

interface ChangeRow {
  revision: number;
  type: string;
  resource: string;
  namespace: string;
  name: string;
  ts: number;
  json: string;
  prev_json: string | null;
}

interface ObjectRow {
  resource: string;
  namespace: string;
  name: string;
  revision: number;
  expires_at: number | null;
  json: string;
}

/** Vacuum only when at least this many pages, and this share of the file, are free: small frees get reused anyway. */
const VACUUM_MIN_FREE_PAGES = 256;
const VACUUM_MIN_FREE_SHARE = 0.2;

/** The revision record is fsynced at most this often on the commit path (and at every compaction and on close). */
const RECORD_FLUSH_INTERVAL_MS = 1000;

/**
 * SqliteStore keeps current objects in the `objects` table and every change in the `changes` table, written with
 * the revision counter in one transaction per write, or per batch with `groupCommit`. Reads are served from an
 * in-memory copy of the current objects, loaded at open (kube-apiserver serves lists from its watch cache the same
 * way), and recent changes from an in-memory window; older changes are read back from the table, so a watch
 * survives an api-server restart. Only one process may open the file for writing.
 *
 * With `groupCommit` on a file, batches are committed by a CommitThread: a second connection on a worker thread, so
 * the transaction and the fsync of synchronous=FULL no longer stop the event loop. This connection keeps the reads
 * (history, expiry, the health probe) and the writes of open and compaction, which wait for the thread first.
 */
export class SqliteStore extends BaseStore {
  /** Set when open accepted a database that went backwards (acceptRollback). */
  acceptedRollback: RollbackInfo | undefined;
  /** How many stored values open rewrote because the transformer called them stale (after a key rotation). */
  rewrittenAtOpen = 0;
  private readonly stmt;
  private readonly writeRows: (rows: readonly CommitRow[]) => void;
  private readonly transformer: StorageTransformer;
  private thread: CommitThread | undefined;
  private record: RevisionRecord | undefined;
  private recordFlushedAt = 0;
  private readonly quietCommitMs: number | undefined;
  private lastCommitEndedAt = -Infinity;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    opts: SqliteStoreOptions,
  ) {
    super(opts, 10_000);
    this.transformer = opts.transformer ?? identityTransformer;
    this.quietCommitMs = opts.quietCommitMs;
    this.writeRows = committer(db);
    this.stmt = {
      setCompacted: db.prepare<[number]>('UPDATE meta SET compacted_revision = ? WHERE id = 1'),
      // Up to a revision: the commit thread may have committed rows whose commit this thread has not heard of yet.
      changesAfter: db.prepare<[number, number, number], ChangeRow>('SELECT * FROM changes WHERE revision > ? AND revision <= ? ORDER BY revision LIMIT ?'),
      changesOfAfter: db.prepare<[number, number, string, number], ChangeRow>(
        'SELECT * FROM changes WHERE revision > ? AND revision <= ? AND resource = ? ORDER BY revision LIMIT ?',
      ),
      firstYoung: db.prepare<[number, number, number], { revision: number }>(
        'SELECT revision FROM changes WHERE revision > ? AND revision <= ? AND ts > ? ORDER BY revision LIMIT 1',
      ),
      deleteChangesThrough: db.prepare<[number]>('DELETE FROM changes WHERE revision <= ?'),
      expired: db.prepare<[number], Pick<ObjectRow, 'resource' | 'namespace' | 'name'>>(
        'SELECT resource, namespace, name FROM objects WHERE expires_at <= ? ORDER BY expires_at',
      ),
    };
    this.load();
  }

  /**
   * open opens or creates the store at `path` and loads its current objects and recent changes into memory. It
   * refuses, with a StoreOpenError naming the file and what to do, a database it cannot read and one that went
   * backwards: one that holds less than the revision record beside it vouches for (see RevisionRecord).
   */
  static open(opts: SqliteStoreOptions): SqliteStore {
    const synchronous = opts.synchronous ?? 'FULL';
    const memory = isMemoryPath(opts.path);
    const recordPath = RevisionRecord.pathFor(opts.path);
    let record: RevisionRecord | undefined;
    try {
      if (!memory) record = openRecord(recordPath, opts.acceptRollback ?? false);
      // Check before SQLite turns a missing or 0-byte file into an empty database: keep the evidence as found.
      if (record && record.revision > 0 && fileSize(opts.path) === 0 && !opts.acceptRollback) {
        throw rollbackError(opts.path, recordPath, record.revision, 0);
      }
      const connection = { path: opts.path, synchronous, busyTimeoutMs: opts.busyTimeoutMs ?? 5000 };
      const db = openDatabase(connection);
      try {
        const found = storedRevision(db);
        let rollback: RollbackInfo | undefined;
        if (record && found < record.revision) {
          if (!opts.acceptRollback) throw rollbackError(opts.path, recordPath, record.revision, found);
          rollback = { recorded: record.revision, found };
          bumpRevision(db, record.revision);
        }
        const store = new SqliteStore(db, opts.path, opts);
        if (!memory && (!record || rollback)) {
          // A fresh data directory, a database from before records, or an accepted rollback: vouch from here on.
          record?.close();
          record = undefined; // closed: the catch below must not close it again if create throws
          record = RevisionRecord.create(recordPath, store.revision);
        }
        store.record = record;
        store.acceptedRollback = rollback;
        // Started last, on a file that open has finished writing. ':memory:' is private to its connection.
        if (opts.groupCommit && !memory) store.thread = CommitThread.open({ path: opts.path, pragmas: connectionPragmas(connection) });
        return store;
      } catch (err) {
        db.close();
        throw err;
      }
    } catch (err) {
      record?.close();
      throw storeOpenError(opts.path, err);
    }
  }

  /**
   * compact drops change rows both older than keepMs and outside the newest keepRevisions, then returns freed pages
   * to the file system and truncates the WAL, so neither file grows without bound under steady writes.
   */
  compact(opts: CompactOptions): void {
    this.commitPending();
    const { maxRevision, maxTs } = this.cutoffs(opts);
    let cut = maxRevision;
    if (cut > this.compacted) {
      const young = this.stmt.firstYoung.get(this.compacted, cut, maxTs);
      if (young) cut = young.revision - 1;
    }
    if (cut > this.compacted) {
      const point = cut;
      this.db
        .transaction(() => {
          this.stmt.deleteChangesThrough.run(point);
          this.stmt.setCompacted.run(point);
        })
        .immediate();
      this.compacted = point;
      this.window.dropThrough(point);
      this.reclaimFreePages();
    }
    this.checkpoint();
    this.record?.flush();
  }

  override close(): void {
    super.close();
    this.thread?.close();
    if (this.db.open) this.db.close();
    this.record?.close();
    this.record = undefined;
  }

  /** persist commits the changes in one transaction; a failure (a full disk: 507) rolls all of them back. */
  protected override persist(changes: readonly PendingChange[]): void {
    try {
      this.writeRows(this.rows(changes));
    } catch (err) {
      throw commitError(err);
    }
  }

  /** startPersist hands a group commit to the commit thread, if there is one (not for ':memory:'). */
  protected override startPersist(changes: readonly PendingChange[], done: (err: unknown) => void): void {
    const thread = this.thread;
    const quiet = this.quietCommitMs !== undefined && this.clock() - this.lastCommitEndedAt >= this.quietCommitMs;
    if (!thread || quiet) {
      // At most one commit is in flight (BaseStore), so the thread is idle and this connection may write.
      super.startPersist(changes, (err) => {
        this.lastCommitEndedAt = this.clock();
        done(err);
      });
      return;
    }
    thread.commit(this.rows(changes), (err) => {
      this.lastCommitEndedAt = this.clock();
      done(err === undefined ? undefined : commitError(err));
    });
  }

  protected override awaitPersist(): void {
    this.thread?.wait();
  }

  protected override recordCommitted(revision: number): void {
    try {
      this.record?.write(revision);
      // See RevisionRecord for why not on every commit.
      const now = this.clock();
      if (now - this.recordFlushedAt >= RECORD_FLUSH_INTERVAL_MS) {
        this.record?.flush();
        this.recordFlushedAt = now;
      }
    } catch (err) {
      const path = this.record?.path ?? '';
      throw errors.internal(`the write was committed, but recording revision ${revision} in ${path} failed: ${(err as Error).message}`, err);
    }
  }

  protected override readChanges(after: number, limit: number, resource?: string): ChangeEvent[] {
    const max = Number.isFinite(limit) ? limit : -1;
    // Filtered in SQL, so rows of other resources are never parsed.
    const rows = resource === undefined ? this.stmt.changesAfter.all(after, this.durable, max) : this.stmt.changesOfAfter.all(after, this.durable, resource, max);
    return rows.map((row) => this.toEvent(row));
  }

  protected override findExpired(nowMs: number): CachedObject[] {
    const out: CachedObject[] = [];
    for (const row of this.stmt.expired.all(nowMs)) {
      // The table lags the cache by the pending writes: one of them may have deleted the object or moved its expiry.
      const entry = this.objects.get(row);
      if (entry && entry.expiresAt !== null && entry.expiresAt <= nowMs) out.push(entry);
    }
    return out;
  }

  protected override probe(): void {
    // Reads a page of the file, so a database that was closed, removed or damaged under us fails it.
    this.db.prepare('SELECT count(*) FROM sqlite_master').get();
  }

  protected override fileSizes(): { dbSizeBytes: number; walSizeBytes: number } {
    if (isMemoryPath(this.path)) return { dbSizeBytes: 0, walSizeBytes: 0 };
    return { dbSizeBytes: fileSize(this.path), walSizeBytes: fileSize(`${this.path}-wal`) };
  }

  /** rows turns changes into what is stored, each object's text through the transformer. */
  private rows(changes: readonly PendingChange[]): CommitRow[] {
    return changes.map(({ event: e, ts, expiresAt }) => [e.revision, e.type, e.resource, e.namespace, e.name, ts, this.transformer.toStorage(e, e.objectJson), expiresAt]);
  }

  private load(): void {
    this.revision = storedRevision(this.db);
    this.durable = this.revision;
    this.compacted = readMeta(this.db).compacted_revision;
    const stale: { row: ObjectRow; json: string }[] = [];
    for (const row of this.db.prepare<[], ObjectRow>('SELECT * FROM objects ORDER BY resource, namespace, name').iterate()) {
      const { json: text, stale: isStale } = this.transformer.fromStorage(row, row.json);
      // Rows written before the store escaped as Go does are escaped as they are read (see goJson).
      const json = goJson(text);
      if (isStale) stale.push({ row, json });
      // Kept as text, parsed on first read (see LazyObject): a start-up parses nothing it does not serve. In key
      // order (the unique index), as the WITHOUT ROWID table of schema 1 was read: the first unreadable value is
      // the one an error names.
      this.objects.set(new CachedObject(row.resource, row.namespace, row.name, json, row.revision, row.expires_at));
    }
    const recent = this.db.prepare<[number], ChangeRow>('SELECT * FROM changes ORDER BY revision DESC LIMIT ?').all(this.window.capacity);
    for (let i = recent.length - 1; i >= 0; i--) {
      const row = recent[i] as ChangeRow;
      this.window.push(this.toEvent(row), row.ts);
    }
    this.rewriteStale(stale);
  }

  /**
   * rewriteStale stores again, in one transaction, every value the transformer read as stale: the objects found by
   * load and every change row of a transformed resource or in transformed form. After a key rotation no value is left
   * under the old key, so it can be removed from the key file (kube leaves this to `kubectl replace` of every Secret).
   */
  private rewriteStale(objects: readonly { row: ObjectRow; json: string }[]): void {
    const t = this.transformer;
    const updateObject = this.db.prepare<[string, string, string, string]>('UPDATE objects SET json = ? WHERE resource = ? AND namespace = ? AND name = ?');
    const updateChange = this.db.prepare<[string, string | null, number]>('UPDATE changes SET json = ?, prev_json = ? WHERE revision = ?');
    const candidates = this.db.prepare<[string], ChangeRow>(
      `SELECT * FROM changes WHERE resource IN (SELECT value FROM json_each(?))
       OR substr(json, 1, 1) <> '{' OR substr(coalesce(prev_json, '{'), 1, 1) <> '{'`,
    );
    let count = 0;
    this.db
      .transaction(() => {
        for (const { row, json } of objects) {
          updateObject.run(t.toStorage(row, json), row.resource, row.namespace, row.name);
          count++;
        }
        for (const row of candidates.all(JSON.stringify(t.resources))) {
          const cur = t.fromStorage(row, row.json);
          const prev = row.prev_json === null ? undefined : t.fromStorage(row, row.prev_json);
          if (!cur.stale && !prev?.stale) continue;
          updateChange.run(t.toStorage(row, cur.json), prev ? t.toStorage(row, prev.json) : null, row.revision);
          count++;
        }
      })
      .immediate();
    this.rewrittenAtOpen = count;
  }

  private toEvent(row: ChangeRow): ChangeEvent {
    const json = goJson(this.transformer.fromStorage(row, row.json).json);
    const prev = row.prev_json === null ? undefined : new LazyObject(goJson(this.transformer.fromStorage(row, row.prev_json).json));
    return new StoredChange(row.resource, row.namespace, row.name, row.revision, row.type as ChangeType, new LazyObject(json), prev);
  }

  private reclaimFreePages(): void {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    if (free >= VACUUM_MIN_FREE_PAGES && free >= pages * VACUUM_MIN_FREE_SHARE) this.db.pragma('incremental_vacuum');
  }

  private checkpoint(): void {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (result?.busy) this.db.pragma('wal_checkpoint(PASSIVE)');
  }
}

function readMeta(db: Database.Database): { revision: number; compacted_revision: number } {
  const meta = db.prepare<[], { revision: number; compacted_revision: number }>('SELECT revision, compacted_revision FROM meta WHERE id = 1').get();
  if (!meta) throw new StoreOpenError(`database ${db.name} has no meta row; it was not written by Skiff`);
  return meta;
}

/** storedRevision is the newest revision the database holds. */
function storedRevision(db: Database.Database): number {
  const newestChange = db.prepare<[], { revision: number | null }>('SELECT MAX(revision) AS revision FROM changes').get();
  return Math.max(readMeta(db).revision, newestChange?.revision ?? 0);
}

/**
 * bumpRevision moves an accepted rolled-back database to revision `to` with every change compacted, so the next
 * write gets a resourceVersion no client has seen and watches from older revisions get 410 Gone and relist.
 */
function bumpRevision(db: Database.Database, to: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM changes').run();
    db.prepare('UPDATE meta SET revision = ?, compacted_revision = ? WHERE id = 1').run(to, to);
  }).immediate();
}

/** openRecord opens the revision record; a damaged one is refused, or dropped (to be rewritten) when accepted. */
function openRecord(path: string, accept: boolean): RevisionRecord | undefined {
  try {
    return RevisionRecord.open(path);
  } catch (err) {
    if (accept) return undefined;
    throw new StoreOpenError(`${(err as Error).message}; restore it, or start with --accept-store-rollback (SKIFF_ACCEPT_STORE_ROLLBACK=true) to trust the database as it is`, { cause: err });
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
