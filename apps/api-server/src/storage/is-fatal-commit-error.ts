/**
 * @module Which failed commits the api-server must not outlive.
 */
import { COMMIT_THREAD_EXITED } from './commit-thread.js';
import { errorCode } from './error-code.js';

/**
 * isFatalCommitError says whether a failed commit leaves the database itself unusable: corruption, a file that
 * cannot be opened or written at all (a file system remounted read-only), or a commit thread that is gone (no
 * later commit can succeed either). Restarting then stops with a clear message, or starts a new thread, instead of
 * failing every write.
 *
 * A full disk (SQLITE_FULL) and I/O errors (SQLITE_IOERR, a failed fsync among them) are not: SQLite rolls the
 * transaction back and the store rolls back its memory, and nothing relies on pages written before the failure.
 * A later commit rewrites its WAL frames from the same offset and fsyncs them again, and a checkpoint whose fsync
 * failed keeps the WAL, so the next checkpoint copies every page again. The process stays up serving reads and
 * watches, and writes succeed again once the disk has room (PostgreSQL panics on a failed fsync because it would
 * otherwise retry the fsync of pages the kernel already dropped; SQLite's WAL never does that).
 */
export function isFatalCommitError(err: unknown): boolean {
  const code = errorCode(err instanceof Error && err.cause !== undefined ? err.cause : err) ?? '';
  return code === COMMIT_THREAD_EXITED || /^SQLITE_(CORRUPT|NOTADB|CANTOPEN|READONLY)/.test(code);
}
