// @ts-check
/**
 * @module The SQL of one SqliteStore commit, shared by the main thread (a commit per write, `:memory:`) and the
 * commit thread (commit-worker.js). Plain JavaScript so the worker runs as it is, from src/ under Vitest as well as
 * from dist/.
 */

/** @typedef {import('./commit-rows.js').CommitRow} CommitRow (declared in commit-rows.d.ts) */

/**
 * committer prepares the statements of a commit on `db` and returns the function that writes `rows` in one
 * IMMEDIATE transaction, all or none, with the revision counter set to the last row's.
 * @param {import('better-sqlite3').Database} db
 * @returns {(rows: readonly CommitRow[]) => void}
 */
export function committer(db) {
  // prev_json is copied from the objects row, so it is stored transformed as well.
  const insertChange = db.prepare(
    `INSERT INTO changes (revision, type, resource, namespace, name, ts, json, prev_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT json FROM objects WHERE resource = ? AND namespace = ? AND name = ?))`,
  );
  const upsertObject = db.prepare(
    `INSERT INTO objects (resource, namespace, name, revision, expires_at, json) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (resource, namespace, name) DO UPDATE
     SET revision = excluded.revision, expires_at = excluded.expires_at, json = excluded.json`,
  );
  const deleteObject = db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?');
  const setRevision = db.prepare('UPDATE meta SET revision = ? WHERE id = 1');
  const write = db.transaction((/** @type {readonly CommitRow[]} */ rows) => {
    for (const [revision, type, resource, namespace, name, ts, json, expiresAt] of rows) {
      insertChange.run(revision, type, resource, namespace, name, ts, json, resource, namespace, name);
      if (type === 'DELETED') deleteObject.run(resource, namespace, name);
      else upsertObject.run(resource, namespace, name, revision, expiresAt, json);
    }
    const last = rows[rows.length - 1];
    if (last) setRevision.run(last[0]);
  });
  return (rows) => {
    if (rows.length > 0) write.immediate(rows);
  };
}
