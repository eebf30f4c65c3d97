import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { AesGcmTransformer, ENCRYPTED_PREFIX } from './aes-gcm-transformer.js';
import type { EncryptionKey } from './encryption-key-file.js';
import { SqliteStore } from './sqlite-store.js';
import { StoreOpenError } from './store-open-error.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-encrypt-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const key = (name: string): EncryptionKey => ({ name, secret: randomBytes(32) });
const transformer = (...keys: EncryptionKey[]) => new AesGcmTransformer(keys, ['secrets'], 'the test key file');

const PLAIN = 'hunter2-plain-value';
const B64 = Buffer.from('correct horse battery staple').toString('base64');
const secret = (name: string, value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace: 'a', name },
  type: 'Opaque',
  data: { password: B64 },
  stringData: { note: value },
});
const configMap = (name: string, value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name }, data: { v: value } });
const sk = (name: string) => ({ resource: 'secrets', namespace: 'a', name });

/** fileBytes is what a thief of the data directory gets: the database and its WAL. */
function fileBytes(path: string): string {
  const parts = [path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p));
  return Buffer.concat(parts).toString('latin1');
}

describe('AesGcmTransformer in SqliteStore', () => {
  it('keeps Secret values out of the database file and its WAL, and reads them back after a restart', () => {
    const path = join(dir, 'enc.db');
    const k1 = key('k1');
    let s = SqliteStore.open({ path, transformer: transformer(k1) });
    s.create(sk('s1'), secret('s1', `${PLAIN}-v1`));
    s.update(sk('s1'), secret('s1', `${PLAIN}-v2`)); // a change row with prev_json
    s.create({ resource: 'configmaps', namespace: 'a', name: 'c1' }, configMap('c1', 'visible-configmap-value'));
    // Written and not checkpointed: the values sit in the WAL.
    let bytes = fileBytes(path);
    expect(bytes).toContain('visible-configmap-value'); // the search finds what is stored in plain text
    expect(bytes).toContain(`${ENCRYPTED_PREFIX}k1:`);
    for (const v of [PLAIN, B64, 'correct horse']) expect(bytes).not.toContain(v);
    s.close();
    bytes = fileBytes(path);
    expect(bytes).toContain('visible-configmap-value');
    for (const v of [PLAIN, B64, 'correct horse']) expect(bytes).not.toContain(v);

    // windowSize 1: history comes back from the changes table, decrypted.
    s = SqliteStore.open({ path, transformer: transformer(k1), windowSize: 1 });
    expect(s.rewrittenAtOpen).toBe(0);
    expect(s.get(sk('s1'))).toMatchObject({ data: { password: B64 }, stringData: { note: `${PLAIN}-v2` } });
    const [created, updated] = s.changesSince(0, 2);
    expect(created?.object).toMatchObject({ stringData: { note: `${PLAIN}-v1` } });
    expect(updated?.prevObject).toMatchObject({ stringData: { note: `${PLAIN}-v1` } });
    expect(JSON.parse(updated?.objectJson ?? '')).toMatchObject({ stringData: { note: `${PLAIN}-v2` } });
    s.close();
  });

  it('refuses to open with a missing or a replaced key, naming the object and the key', () => {
    const path = join(dir, 'wrong.db');
    const k1 = key('k1');
    const s = SqliteStore.open({ path, transformer: transformer(k1) });
    s.create(sk('s1'), secret('s1', PLAIN));
    s.close();
    expect(() => SqliteStore.open({ path, transformer: transformer(key('k2')) })).toThrow(
      /secrets a\/s1 is encrypted with key "k1", which the test key file does not hold \(it holds "k2"\); restore the key file/,
    );
    expect(() => SqliteStore.open({ path, transformer: transformer(key('k1')) })).toThrow(StoreOpenError);
    expect(() => SqliteStore.open({ path, transformer: transformer(key('k1')) })).toThrow(/does not decrypt with key "k1"/);
    // Refused, not damaged: the right key still reads it.
    const again = SqliteStore.open({ path, transformer: transformer(k1) });
    expect(again.get(sk('s1'))).toMatchObject({ stringData: { note: PLAIN } });
    again.close();
  });

  it('does not decrypt a value moved to another object', () => {
    const t = transformer(key('k1'));
    const stored = t.toStorage(sk('s1'), '{"a":1}');
    expect(t.fromStorage(sk('s1'), stored).json).toBe('{"a":1}');
    expect(() => t.fromStorage(sk('s2'), stored)).toThrow(/secrets a\/s2 does not decrypt/);
  });

  it('rotation: with a new first key, open rewrites every value, history included, so the old key can go', () => {
    const path = join(dir, 'rotate.db');
    const old = key('old');
    const fresh = key('new');
    let s = SqliteStore.open({ path, transformer: transformer(old) });
    s.create(sk('s1'), secret('s1', `${PLAIN}-1`));
    s.update(sk('s1'), secret('s1', `${PLAIN}-2`));
    s.create(sk('s2'), secret('s2', `${PLAIN}-3`));
    s.close();

    s = SqliteStore.open({ path, transformer: transformer(fresh, old) });
    expect(s.rewrittenAtOpen).toBe(5); // two objects, three change rows
    s.close();
    expect(fileBytes(path)).not.toContain(`${ENCRYPTED_PREFIX}old:`);

    s = SqliteStore.open({ path, transformer: transformer(fresh), windowSize: 1 });
    expect(s.rewrittenAtOpen).toBe(0);
    expect(s.get(sk('s2'))).toMatchObject({ stringData: { note: `${PLAIN}-3` } });
    expect(s.changesSince(1, 1)[0]?.prevObject).toMatchObject({ stringData: { note: `${PLAIN}-1` } });
    s.close();
  });

  it('encrypts Secrets written before encryption was on', () => {
    const path = join(dir, 'upgrade.db');
    let s = SqliteStore.open({ path });
    s.create(sk('s1'), secret('s1', PLAIN));
    s.close();
    s = SqliteStore.open({ path, transformer: transformer(key('k1')) });
    expect(s.rewrittenAtOpen).toBe(2);
    expect(s.get(sk('s1'))).toMatchObject({ stringData: { note: PLAIN } });
    s.close();
  });
});
