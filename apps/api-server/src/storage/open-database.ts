/**
 * @module Opening the SQLite file: pragmas, schema creation and the schema version check.
 */
import Database from 'better-sqlite3';

/**
 * SCHEMA_VERSION is kept in PRAGMA user_version; a file with a newer version is refused rather than misread, an
 * older one is migrated at open. 2: `objects` is a rowid table (see OBJECTS_TABLE).
 */
export const SCHEMA_VERSION = 2;

/** OpenDatabaseOptions are the knobs of openDatabase. */
export interface OpenDatabaseOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** FULL fsyncs the WAL on every commit (no acknowledged write lost on power loss); NORMAL only at checkpoints. */
  synchronous: 'FULL' | 'NORMAL';
  /** How long a statement waits for a lock held by another connection (a backup, `skiff doctor`). */
  busyTimeoutMs: number;
}

/** WAL_SIZE_LIMIT_BYTES caps what the WAL is truncated back to after a checkpoint, between compactions too. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The objects table keeps rows in a rowid B-tree with a unique index on the key. Version 1 was WITHOUT ROWID, keyed
 * by (resource, namespace, name): such a table stores rows as index records, which keep at most about 1,000 bytes
 * of a row in the B-tree page (at 4 KiB pages) and move the rest to overflow pages of their own, so a 1.8 KB pod
 * took 4.7 KB of file (dbstat, 10,000 pods). A rowid table keeps rows of up to about 4 KB in its pages.
 */
function objectsTable(name: string): string {
  return `
CREATE TABLE ${name} (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  expires_at INTEGER NULL,
  json TEXT NOT NULL
);
CREATE UNIQUE INDEX objects_key ON ${name} (resource, namespace, name);
CREATE INDEX objects_expires_at ON ${name} (expires_at) WHERE expires_at IS NOT NULL;`;
}

/** MIGRATE_1_TO_2 copies version 1's WITHOUT ROWID objects table into the rowid table of version 2. */
const MIGRATE_1_TO_2 = `
DROP INDEX objects_expires_at;
ALTER TABLE objects RENAME TO objects_v1;
${objectsTable('objects')}
INSERT INTO objects (resource, namespace, name, revision, expires_at, json)
  SELECT resource, namespace, name, revision, expires_at, json FROM objects_v1 ORDER BY resource, namespace, name;
DROP TABLE objects_v1;
`;

const SCHEMA = `
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  compacted_revision INTEGER NOT NULL
);
INSERT INTO meta (id, revision, compacted_revision) VALUES (1, 0, 0);
${objectsTable('objects')}
CREATE TABLE changes (
  revision INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  ts INTEGER NOT NULL,
  json TEXT NOT NULL,
  prev_json TEXT NULL
);
`;

/**
 * openDatabase opens (creating if needed) the store's database in WAL mode with the requested durability.
 * auto_vacuum=INCREMENTAL can only be chosen before the first table exists, so it is set on a fresh file only;
 * it lets compaction hand freed pages back to the file system instead of keeping the file at its high-water mark
 * (the k3s state.db growth problem).
 */
export function openDatabase(opts: OpenDatabaseOptions): Database.Database {
  if (opts.synchronous !== 'FULL' && opts.synchronous !== 'NORMAL') {
    throw new RangeError(`synchronous must be FULL or NORMAL, got ${String(opts.synchronous)}`);
  }
  const db = new Database(opts.path);
  const [busyTimeout, synchronous, journalSizeLimit] = connectionPragmas(opts);
  try {
    db.pragma(busyTimeout);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`database ${opts.path} has schema version ${version}; this build understands up to ${SCHEMA_VERSION}`);
    }
    if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal' && !isMemoryPath(opts.path)) throw new Error(`database ${opts.path} refused WAL mode (got ${mode})`);
    db.pragma(synchronous);
    db.pragma(journalSizeLimit);
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(version === 0 ? SCHEMA : MIGRATE_1_TO_2);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * connectionPragmas are the settings each connection to the store's file needs for itself (the commit thread's as
 * well): busy timeout, durability, WAL size limit. journal_mode and auto_vacuum belong to the file.
 */
export function connectionPragmas(opts: OpenDatabaseOptions): [busyTimeout: string, synchronous: string, journalSizeLimit: string] {
  return [`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`, `synchronous = ${opts.synchronous}`, `journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`];
}

/** isMemoryPath is true for the paths SQLite keeps in memory (no file, no WAL). */
export function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}
