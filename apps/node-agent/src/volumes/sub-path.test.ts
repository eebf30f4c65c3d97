import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareSubPath } from './sub-path.js';

const dirs: string[] = [];
const volume = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-subpath-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('prepareSubPath', () => {
  it('creates a missing subPath with the mode of the volume root and returns its real path', async () => {
    const v = volume();
    chmodSync(v, 0o775);
    const dir = await prepareSubPath(v, 'a/b/');
    expect(dir).toBe(join(v, 'a', 'b'));
    expect(statSync(join(v, 'a')).mode & 0o777).toBe(0o775 & ~process.umask());
    expect(await prepareSubPath(v, 'a/b')).toBe(dir);
  });

  it('follows a symlink that stays inside the volume, refuses one that leaves it, and refuses .. and absolute paths', async () => {
    const v = volume();
    mkdirSync(join(v, 'real'));
    symlinkSync('real', join(v, 'alias'));
    symlinkSync('/', join(v, 'escape'));
    expect(await prepareSubPath(v, 'alias')).toBe(join(v, 'real'));
    await expect(prepareSubPath(v, 'escape/etc')).rejects.toThrow('subPath escape/etc leaves the volume: escape resolves outside it');
    await expect(prepareSubPath(v, '../x')).rejects.toThrow("must not contain '..'");
    await expect(prepareSubPath(v, '/etc')).rejects.toThrow('must be relative path');
  });
});
