import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEncryptionKeyFile, formatKey, parseEncryptionKeys, readEncryptionKeyFile } from './encryption-key-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-keyfile-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

describe('encryption key file', () => {
  it('is created once, readable by its owner only, and read back', () => {
    const path = join(dir, 'encryption.key');
    expect(readEncryptionKeyFile(path)).toBeUndefined();
    const [created] = createEncryptionKeyFile(path, new Date('2026-11-30T00:00:00Z'));
    expect(created?.name).toMatch(/^key-20261130-[0-9a-f]{6}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readEncryptionKeyFile(path)).toEqual([created]);
    expect(() => createEncryptionKeyFile(path, new Date())).toThrow(/EEXIST/);
  });

  it('keeps the order of its keys (the first encrypts) and skips comments', () => {
    const keys = parseEncryptionKeys(`# rotated\nnew:${b64(32)}\n\n  old:${b64(32)}  \n`, 'f');
    expect(keys.map((k) => k.name)).toEqual(['new', 'old']);
    expect(formatKey(keys[0]!)).toBe(`new:${b64(32)}`);
  });

  it('refuses short keys, bad names, duplicates and an empty file, naming the line', () => {
    expect(() => parseEncryptionKeys(`k:${b64(16)}`, 'f')).toThrow(/f line 1: key "k" is 16 bytes; AES-256 needs 32/);
    expect(() => parseEncryptionKeys(`${b64(32)}`, 'f')).toThrow(/f line 1: want <name>:<base64 key>/);
    expect(() => parseEncryptionKeys(`k:${b64(32)}\nk:${b64(32)}`, 'f')).toThrow(/f line 2: key name "k" is used twice/);
    expect(() => parseEncryptionKeys('# nothing\n', 'f')).toThrow(/f holds no encryption key/);
  });
});
