import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RevisionRecord } from './revision-record.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-record-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** tear overwrites `bytes` bytes of the file at `offset` with garbage, as a write cut short by a crash would. */
function tear(path: string, offset: number, bytes = 12): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(bytes, 0xee), 0, bytes, offset);
  closeSync(fd);
}

describe('RevisionRecord', () => {
  it('is absent in a fresh directory, and reads back the newest revision written', () => {
    const path = join(dir, 'skiff.db-revision');
    expect(RevisionRecord.open(path)).toBeUndefined();
    const r = RevisionRecord.create(path, 7);
    r.write(8);
    r.write(9);
    r.close();
    const again = RevisionRecord.open(path);
    expect(again?.revision).toBe(9);
    again?.close();
  });

  it('keeps the previous revision when the slot being written is torn', () => {
    const path = join(dir, 'skiff.db-revision');
    const r = RevisionRecord.create(path, 1);
    r.write(2); // slot 0
    r.write(3); // slot 1
    r.close();
    tear(path, 512 + 8); // slot 1's revision, mid-write
    const reopened = RevisionRecord.open(path);
    expect(reopened?.revision).toBe(2);
    // The next write goes to the torn slot, never over the one that still vouches.
    reopened?.write(4);
    reopened?.close();
    expect(RevisionRecord.open(path)?.revision).toBe(4);
    tear(path, 512 + 8);
    expect(RevisionRecord.open(path)?.revision).toBe(2);
  });

  it('writes the slot that does not hold the newest revision first after opening', () => {
    const path = join(dir, 'skiff.db-revision');
    const r = RevisionRecord.create(path, 1);
    r.write(5); // slot 0 holds the newest
    r.close();
    const before = readFileSync(path).subarray(0, 512);
    const reopened = RevisionRecord.open(path);
    reopened?.write(6);
    reopened?.close();
    expect(readFileSync(path).subarray(0, 512).equals(before)).toBe(true);
  });

  it('refuses a record with no valid slot', () => {
    const path = join(dir, 'skiff.db-revision');
    RevisionRecord.create(path, 3).close();
    tear(path, 0);
    tear(path, 512);
    expect(() => RevisionRecord.open(path)).toThrow(/revision record .* is damaged/);
  });
});
