/**
 * @module Reading SQLite and file system error codes.
 */
import { statfsSync } from 'node:fs';

/** errorCode is the `code` of a SqliteError or a Node system error. */
export function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** isDiskFull is true for the error codes of a full disk or an exhausted quota. */
export function isDiskFull(code: string): boolean {
  return code.startsWith('SQLITE_FULL') || code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * hasNoRoom says whether the file system holding `dir` is (nearly) full. SQLite reports some failures of a full
 * disk as I/O errors: growing the WAL index (-shm) fails with SQLITE_IOERR_SHMSIZE.
 */
export function hasNoRoom(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize < 64 * 1024;
  } catch {
    return false;
  }
}
