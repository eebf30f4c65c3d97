import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicWriter, validatePath } from './atomic-writer.js';
import type { Payload } from './volume-payload.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const payload = (files: Record<string, string>, mode = 0o644): Payload => new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

describe('AtomicWriter', () => {
  it('exposes files through ..data, swaps it on update, and drops the old set', async () => {
    const w = new AtomicWriter(dir);
    expect(await w.write(payload({ a: '1', 'sub/b': '2' }, 0o400))).toBe(true);
    expect(readlinkSync(join(dir, 'a'))).toBe('..data/a');
    expect(readlinkSync(join(dir, 'sub'))).toBe('..data/sub');
    expect(readFileSync(join(dir, 'sub/b'), 'utf8')).toBe('2');
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o400);
    const first = readlinkSync(join(dir, '..data'));
    expect(first).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);

    expect(await w.write(payload({ a: '1', 'sub/b': '2' }, 0o400))).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(first);

    expect(await w.write(payload({ a: 'changed', c: '3' }))).toBe(true);
    const second = readlinkSync(join(dir, '..data'));
    expect(second).not.toBe(first);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('changed');
    expect(readFileSync(join(dir, 'c'), 'utf8')).toBe('3');
    // The old timestamped directory and the entry that left the payload are gone; nothing else is left over.
    expect(readdirSync(dir).sort()).toEqual(['..data', second, 'a', 'c'].sort());
    expect(lstatSync(join(dir, '..data')).isSymbolicLink()).toBe(true);
  });

  it('refuses paths that leave the volume or collide with its own entries', async () => {
    for (const [path, why] of [
      ['/etc/passwd', 'must be relative path'],
      ['a/../../x', "must not contain '..'"],
      ['..data', "must not start with '..'"],
      ['', 'must not be empty'],
    ]) {
      expect(() => validatePath(path!)).toThrow(why);
    }
    await expect(new AtomicWriter(dir).write(payload({ '../x': 'y' }))).rejects.toThrow(/must not contain/);
  });
});
