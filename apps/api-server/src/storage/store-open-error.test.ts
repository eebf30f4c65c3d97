import { describe, expect, it } from 'vitest';
import { StoreOpenError, storeOpenError } from './store-open-error.js';

const sqliteError = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('storeOpenError', () => {
  it('says what failed, which file, and what to do, in one line', () => {
    const cases: [Error, RegExp][] = [
      [sqliteError('file is not a database', 'SQLITE_NOTADB'), /file is not a database \(SQLITE_NOTADB\); restore it and its -wal file from a backup/],
      [sqliteError('database disk image is malformed', 'SQLITE_CORRUPT'), /malformed \(SQLITE_CORRUPT\); restore it/],
      [sqliteError('database or disk is full', 'SQLITE_FULL'), /the disk holding \/data is full: free space on it/],
      [Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' }), /the disk holding \/data is full/],
      [sqliteError('database is locked', 'SQLITE_BUSY'), /another process holds the database: stop it first/],
      [sqliteError('unable to open database file', 'SQLITE_CANTOPEN'), /check that the data directory exists and this user may write to it/],
      [sqliteError('disk I/O error', 'SQLITE_IOERR_READ'), /the disk reported an I\/O error: check it/],
    ];
    for (const [err, want] of cases) {
      const out = storeOpenError('/data/skiff.db', err);
      expect(out).toBeInstanceOf(StoreOpenError);
      expect(out.message).toMatch(/^cannot open database \/data\/skiff\.db: /);
      expect(out.message).toMatch(want);
      expect(out.message).not.toContain('\n');
      expect(out.cause).toBe(err);
    }
  });

  it('passes a StoreOpenError through as it is', () => {
    const err = new StoreOpenError('database went backwards');
    expect(storeOpenError('/data/skiff.db', err)).toBe(err);
  });
});
