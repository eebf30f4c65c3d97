/**
 * @module writeFileAtomic: a file that is either whole or absent, even if the process is killed mid-write.
 */
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

export interface WriteFileAtomicOptions {
  /** Permission bits of the new file (0o600 for keys). */
  mode: number;
  /** Fail with EEXIST instead of replacing a file already there (a CA must never be replaced). */
  exclusive?: boolean;
}

/**
 * writeFileAtomic writes a temporary file beside `path`, fsyncs it, then renames it into place (or hard-links it,
 * which fails with EEXIST when `exclusive` and the file exists) and fsyncs the directory. A SIGKILL leaves at most a
 * stray temporary file, never a truncated `path` that would stop the next start.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteFileAtomicOptions): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', opts.mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (opts.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDir(dirname(path));
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    closeSync(fd);
  }
}
