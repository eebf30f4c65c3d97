import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AesGcmTransformer } from '../src/storage/aes-gcm-transformer.js';
import { formatKey, readEncryptionKeyFile } from '../src/storage/encryption-key-file.js';
import { SqliteStore } from '../src/storage/sqlite-store.js';
import { api, runServerToExit, spawnServer, type ServerProcess } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-encryption-'));
const running = new Set<ServerProcess>();
afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function startAndStop(dir: string): Promise<string> {
  const p = await spawnServer(['--data-dir', dir]);
  running.add(p);
  await p.kill('SIGTERM');
  running.delete(p);
  return p.stderr();
}

/** expectOneLine checks that start-up failed with exit code 1 and one line (no stack trace) matching `pattern`. */
function expectOneLine(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

/** fileBytes is what a thief of the data directory gets: the database and its WAL. */
function fileBytes(dir: string): string {
  return ['skiff.db', 'skiff.db-wal']
    .map((f) => join(dir, f))
    .filter(existsSync)
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');
}

describe('api-server encryption at rest', () => {
  it('stores Secrets written over HTTP encrypted, ConfigMaps not, and serves them after a restart', async () => {
    const dir = join(root, 'http');
    let p = await spawnServer(['--data-dir', dir]);
    running.add(p);
    const password = Buffer.from('pa55-over-http').toString('base64');
    const created = await api(p.url, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'db' }, data: { password }, stringData: { user: 'admin-over-http' } });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ password, user: Buffer.from('admin-over-http').toString('base64') });
    expect(created.body.stringData).toBeUndefined();
    expect((await api(p.url, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cm' }, data: { v: 'plain-configmap-value' } })).status).toBe(201);
    // Acknowledged writes are in the WAL (no checkpoint yet): the ConfigMap's value is there in plain text.
    let bytes = fileBytes(dir);
    expect(bytes).toContain('plain-configmap-value');
    for (const v of ['pa55-over-http', password, 'admin-over-http', Buffer.from('admin-over-http').toString('base64')]) expect(bytes).not.toContain(v);
    await p.kill('SIGTERM');
    running.delete(p);
    bytes = fileBytes(dir);
    expect(bytes).toContain('plain-configmap-value');
    expect(bytes).not.toContain(password);

    p = await spawnServer(['--data-dir', dir]);
    running.add(p);
    const got = await api(p.url, 'GET', '/api/v1/namespaces/default/secrets/db');
    expect(got.body.data.password).toBe(password);
    await p.kill('SIGTERM');
    running.delete(p);
  }, 60_000);

  it('makes a private key file on first start, refuses a wrong or missing key in one line, and rotates', async () => {
    const dir = join(root, 'data');
    const keyPath = join(dir, 'encryption.key');
    await startAndStop(dir);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const original = readFileSync(keyPath, 'utf8');
    const keys = readEncryptionKeyFile(keyPath)!;

    // A Secret stored under the server's key, as the secrets resource would store it.
    const db = join(dir, 'skiff.db');
    const s = SqliteStore.open({ path: db, transformer: new AesGcmTransformer(keys, ['secrets'], keyPath) });
    s.create({ resource: 'secrets', namespace: 'default', name: 'db-pass' }, { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'db-pass' }, stringData: { p: 'in-the-clear-nowhere' } });
    s.close();
    expect(readFileSync(db).toString('latin1')).not.toContain('in-the-clear-nowhere');
    await startAndStop(dir); // the same key: starts

    writeFileSync(keyPath, `${formatKey({ name: 'other', secret: randomBytes(32) })}\n`);
    expectOneLine(await runServerToExit(['--data-dir', dir]), /secrets default\/db-pass is encrypted with key "key-[^"]+", which .*encryption\.key does not hold \(it holds "other"\)/);

    rmSync(keyPath);
    expectOneLine(await runServerToExit(['--data-dir', dir]), /is encrypted with key "key-[^"]+".*encryption\.key was missing$/);
    // The refusal did not leave a new key behind to hide the loss on the next start.
    expect(existsSync(keyPath)).toBe(false);

    // Rotation: a new first key, restart (every value is rewritten under it), then the old key can go.
    const fresh = formatKey({ name: 'rotated', secret: randomBytes(32) });
    writeFileSync(keyPath, `${fresh}\n${original}`, { mode: 0o600 });
    // db-pass and the default bootstrap token's Secret (made on first start), each as object and history row.
    expect(await startAndStop(dir)).toMatch(/"rewritten":4,.*rewrote stored values under the first key/);
    writeFileSync(keyPath, `${fresh}\n`);
    expect(await startAndStop(dir)).not.toMatch(/rewrote/);
  }, 90_000);
});
