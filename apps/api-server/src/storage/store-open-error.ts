/**
 * @module Why a store could not open, in one line that says what failed, which file and what to do.
 */
import { dirname } from 'node:path';
import { errorCode, hasNoRoom, isDiskFull } from './error-code.js';

/** StoreOpenError is a start-up failure of the store; its message is meant for the operator as is. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

/**
 * storeOpenError words what SQLite or the file system threw while opening `path`: corruption, a full disk, no
 * access, a lock. Errors that are already StoreOpenErrors pass through.
 */
export function storeOpenError(path: string, err: unknown): StoreOpenError {
  if (err instanceof StoreOpenError) return err;
  const code = errorCode(err) ?? '';
  const why = `${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}`;
  let advice = 'see the error above';
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
    advice = `restore it and its -wal file from a backup, or, to give up its contents, move them away and start with --accept-store-rollback`;
  } else if (isDiskFull(code) || (/^(SQLITE_IOERR|SQLITE_CANTOPEN|EIO)/.test(code) && hasNoRoom(dirname(path)))) {
    advice = `the disk holding ${dirname(path)} is full: free space on it and start again`;
  } else if (/^SQLITE_(CANTOPEN|READONLY|PERM|AUTH)/.test(code) || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    advice = 'check that the data directory exists and this user may write to it';
  } else if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
    advice = 'another process holds the database: stop it first';
  } else if (/^SQLITE_IOERR/.test(code) || code === 'EIO') {
    advice = 'the disk reported an I/O error: check it (dmesg) before starting again';
  }
  return new StoreOpenError(`cannot open database ${path}: ${why}; ${advice}`, { cause: err });
}

/**
 * rollbackError refuses a database that holds less than its revision record vouches for: writes that were
 * acknowledged are gone, so serving what is left would silently undo them and reuse their resourceVersions.
 */
export function rollbackError(dbPath: string, recordPath: string, recorded: number, found: number): StoreOpenError {
  return new StoreOpenError(
    `database ${dbPath} went backwards: it holds revision ${found} but ${recordPath} vouches that revision ${recorded} was committed ` +
      `(a missing, truncated or damaged ${dbPath}-wal, an emptied or replaced ${dbPath}, or an older backup); ` +
      `restore the database together with its -wal file, or start with --accept-store-rollback (SKIFF_ACCEPT_STORE_ROLLBACK=true) to serve what is left`,
  );
}
