/**
 * @module Opening the SQLite file: pragmas, schema creation and the schema version check.
 */
import Database from 'better-sqlite3';

/** SCHEMA_VERSION is kept in PRAGMA user_version; a file with a newer version is refused rather than misread. */
export const SCHEMA_VERSION = 1;

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

const SCHEMA = `
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  compacted_revision INTEGER NOT NULL
);
INSERT INTO meta (id, revision, compacted_revision) VALUES (1, 0, 0);
CREATE TABLE objects (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  expires_at INTEGER NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE INDEX objects_expires_at ON objects (expires_at) WHERE expires_at IS NOT NULL;
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
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`database ${opts.path} has schema version ${version}; this build understands up to ${SCHEMA_VERSION}`);
    }
    if (version === 0) db.pragma('auto_vacuum = INCREMENTAL');
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal' && !isMemoryPath(opts.path)) throw new Error(`database ${opts.path} refused WAL mode (got ${mode})`);
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    if (version === 0) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** isMemoryPath is true for the paths SQLite keeps in memory (no file, no WAL). */
export function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}
