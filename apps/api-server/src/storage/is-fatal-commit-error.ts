/**
 * @module Which failed commits the api-server must not outlive.
 */

/**
 * isFatalCommitError says whether a failed commit leaves the database file in doubt: an I/O error (a failed fsync
 * among them), a full disk, corruption. The store has rolled back its memory either way, but after a failed fsync
 * the kernel may have dropped pages SQLite believes written, so only reopening the file (a restart) tells what is
 * durable; PostgreSQL panics on fsync failure for the same reason. Lock contention (SQLITE_BUSY, from a backup or
 * `skiff doctor` holding the file) is not: the rolled-back writes simply failed and later ones may succeed.
 */
export function isFatalCommitError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^SQLITE_(IOERR|FULL|CORRUPT|NOTADB|CANTOPEN|READONLY)/.test(code);
}
