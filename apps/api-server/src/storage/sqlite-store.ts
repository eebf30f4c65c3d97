/**
 * @module Storage on a SQLite file through better-sqlite3: the api-server's durable store.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { KubeObject } from '@skiff/api';
import { BaseStore } from './base-store.js';
import type { BaseStoreOptions, PendingChange } from './base-store.js';
import type { CachedObject } from './object-cache.js';
import { isMemoryPath, openDatabase } from './open-database.js';
import type { ChangeEvent, ChangeType, CompactOptions } from './storage.js';
import { rememberJson } from './stored-json.js';

/** SqliteStoreOptions configure SqliteStore.open; `windowSize` is the in-memory change window (default 10,000). */
export interface SqliteStoreOptions extends BaseStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Default FULL: no acknowledged write is lost on SIGKILL or power loss. NORMAL risks the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Default 5000. */
  busyTimeoutMs?: number;
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

/**
 * SqliteStore keeps current objects in the `objects` table and every change in the `changes` table, written with
 * the revision counter in one transaction per write, or per event-loop turn with `groupCommit`. Reads are served from an in-memory copy of the current
 * objects, loaded at open (kube-apiserver serves lists from its watch cache the same way), and recent changes from
 * an in-memory window; older changes are read back from the table, so a watch survives an api-server restart.
 * Only one process may open the file for writing.
 */
export class SqliteStore extends BaseStore {
  private readonly stmt;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    opts: SqliteStoreOptions,
  ) {
    super(opts, 10_000);
    this.stmt = {
      insertChange: db.prepare<[number, string, string, string, string, number, string, string, string, string]>(
        `INSERT INTO changes (revision, type, resource, namespace, name, ts, json, prev_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT json FROM objects WHERE resource = ? AND namespace = ? AND name = ?))`,
      ),
      upsertObject: db.prepare<[string, string, string, number, number | null, string]>(
        `INSERT INTO objects (resource, namespace, name, revision, expires_at, json) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource, namespace, name) DO UPDATE
         SET revision = excluded.revision, expires_at = excluded.expires_at, json = excluded.json`,
      ),
      deleteObject: db.prepare<[string, string, string]>('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      setRevision: db.prepare<[number]>('UPDATE meta SET revision = ? WHERE id = 1'),
      setCompacted: db.prepare<[number]>('UPDATE meta SET compacted_revision = ? WHERE id = 1'),
      changesAfter: db.prepare<[number, number], ChangeRow>('SELECT * FROM changes WHERE revision > ? ORDER BY revision LIMIT ?'),
      changesOfAfter: db.prepare<[number, string, number], ChangeRow>('SELECT * FROM changes WHERE revision > ? AND resource = ? ORDER BY revision LIMIT ?'),
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

  /** open opens or creates the store at `path` and loads its current objects and recent changes into memory. */
  static open(opts: SqliteStoreOptions): SqliteStore {
    const db = openDatabase({ path: opts.path, synchronous: opts.synchronous ?? 'FULL', busyTimeoutMs: opts.busyTimeoutMs ?? 5000 });
    try {
      return new SqliteStore(db, opts.path, opts);
    } catch (err) {
      db.close();
      throw err;
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
  }

  override close(): void {
    super.close();
    if (this.db.open) this.db.close();
  }

  protected override persist(changes: readonly PendingChange[]): void {
    const last = changes[changes.length - 1];
    if (!last) return;
    this.db
      .transaction(() => {
        for (const { event: e, ts, expiresAt } of changes) {
          this.stmt.insertChange.run(e.revision, e.type, e.resource, e.namespace, e.name, ts, e.objectJson, e.resource, e.namespace, e.name);
          if (e.type === 'DELETED') this.stmt.deleteObject.run(e.resource, e.namespace, e.name);
          else this.stmt.upsertObject.run(e.resource, e.namespace, e.name, e.revision, expiresAt, e.objectJson);
        }
        this.stmt.setRevision.run(last.event.revision);
      })
      .immediate();
  }

  protected override readChanges(after: number, limit: number, resource?: string): ChangeEvent[] {
    const max = Number.isFinite(limit) ? limit : -1;
    // Filtered in SQL, so rows of other resources are never parsed.
    const rows = resource === undefined ? this.stmt.changesAfter.all(after, max) : this.stmt.changesOfAfter.all(after, resource, max);
    return rows.map(toEvent);
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

  protected override fileSizes(): { dbSizeBytes: number; walSizeBytes: number } {
    if (isMemoryPath(this.path)) return { dbSizeBytes: 0, walSizeBytes: 0 };
    return { dbSizeBytes: fileSize(this.path), walSizeBytes: fileSize(`${this.path}-wal`) };
  }

  private load(): void {
    const meta = this.db.prepare<[], { revision: number; compacted_revision: number }>('SELECT revision, compacted_revision FROM meta WHERE id = 1').get();
    if (!meta) throw new Error(`database ${this.path} has no meta row`);
    const newestChange = this.db.prepare<[], { revision: number | null }>('SELECT MAX(revision) AS revision FROM changes').get();
    this.revision = Math.max(meta.revision, newestChange?.revision ?? 0);
    this.durable = this.revision;
    this.compacted = meta.compacted_revision;
    for (const row of this.db.prepare<[], ObjectRow>('SELECT * FROM objects').iterate()) {
      const object = JSON.parse(row.json) as KubeObject;
      rememberJson(object, row.json);
      this.objects.set({ resource: row.resource, namespace: row.namespace, name: row.name, object, revision: row.revision, expiresAt: row.expires_at });
    }
    const recent = this.db.prepare<[number], ChangeRow>('SELECT * FROM changes ORDER BY revision DESC LIMIT ?').all(this.window.capacity);
    for (let i = recent.length - 1; i >= 0; i--) {
      const row = recent[i] as ChangeRow;
      this.window.push(toEvent(row), row.ts);
    }
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

function toEvent(row: ChangeRow): ChangeEvent {
  const event: ChangeEvent = {
    resource: row.resource,
    namespace: row.namespace,
    name: row.name,
    revision: row.revision,
    type: row.type as ChangeType,
    object: JSON.parse(row.json) as KubeObject,
    objectJson: row.json,
  };
  if (row.prev_json !== null) event.prevObject = JSON.parse(row.prev_json) as KubeObject;
  return event;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
