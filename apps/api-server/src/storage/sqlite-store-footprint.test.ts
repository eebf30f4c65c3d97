import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-footprint-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** A ConfigMap whose JSON is about the size of a stored pod with its managedFields (1.8 KB). */
const big = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name }, data: { v: name.padEnd(1700, '.') } });
const key = (name: string) => ({ resource: 'configmaps', namespace: 'a', name });

/** The version 1 schema, as Skiff wrote it before the objects table had rowids. */
const V1_SCHEMA = `
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, compacted_revision INTEGER NOT NULL);
INSERT INTO meta (id, revision, compacted_revision) VALUES (1, 0, 0);
CREATE TABLE objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL,
  expires_at INTEGER NULL, json TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
CREATE INDEX objects_expires_at ON objects (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE changes (revision INTEGER PRIMARY KEY, type TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL,
  name TEXT NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL, prev_json TEXT NULL);
`;

describe('what a stored object costs', () => {
  it('keeps a 1.8 KB object in about its own size of file, not in an overflow page of its own', () => {
    const path = join(dir, 'size.db');
    const s = SqliteStore.open({ path, synchronous: 'NORMAL' });
    for (let i = 0; i < 300; i++) s.create(key(`c${i}`), big(`c${i}`));
    s.close();
    const db = new Database(path, { readonly: true });
    const bytes = (db.prepare("SELECT SUM(pgsize) AS b FROM dbstat WHERE name = 'objects'").get() as { b: number }).b;
    const json = (db.prepare('SELECT SUM(length(json)) AS b FROM objects').get() as { b: number }).b;
    db.close();
    // A WITHOUT ROWID table took 4 KiB and more a row here: its records keep ~1 KB in the page, the rest overflows.
    expect(bytes / json).toBeLessThan(1.3);
  });

  it('migrates a version 1 database, keeping every object, expiry and revision', () => {
    const path = join(dir, 'v1.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec(V1_SCHEMA);
    old.pragma('user_version = 1');
    const insert = old.prepare('INSERT INTO objects VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('configmaps', 'a', 'x', 1, null, JSON.stringify({ ...big('x'), metadata: { namespace: 'a', name: 'x', resourceVersion: '1' } }));
    insert.run('events', 'a', 'e', 2, 4_000_000_000_000, JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: 'e', resourceVersion: '2' } }));
    old.prepare('UPDATE meta SET revision = 2').run();
    old.close();

    const s = SqliteStore.open({ path });
    expect(s.currentRevision()).toBe(2);
    expect(s.get(key('x'))?.data).toEqual({ v: 'x'.padEnd(1700, '.') });
    expect(s.update(key('x'), big('x')).metadata.resourceVersion).toBe('3');
    expect(s.create({ resource: 'configmaps', namespace: 'a', name: 'y' }, big('y')).metadata.resourceVersion).toBe('4');
    expect(s.expire(4_000_000_000_001)).toBe(1);
    s.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'objects'").get() as { sql: string }).sql).not.toMatch(/WITHOUT ROWID/);
    expect(db.prepare('SELECT name FROM objects ORDER BY name').all()).toEqual([{ name: 'x' }, { name: 'y' }]);
    db.close();
  });

  it('keeps objects as text: opening and an unfiltered list parse none, a read parses the one it reads', () => {
    const path = join(dir, 'lazy.db');
    let s = SqliteStore.open({ path, synchronous: 'NORMAL' });
    for (let i = 0; i < 50; i++) s.create(key(`c${i}`), big(`c${i}`));
    s.close();
    const parse = vi.spyOn(JSON, 'parse');
    s = SqliteStore.open({ path, synchronous: 'NORMAL' });
    const texts = [...s.listAfter('configmaps', 'a', undefined).entries].map((e) => e.json);
    expect(texts).toHaveLength(50);
    expect(parse).not.toHaveBeenCalled();
    expect(s.get(key('c7'))?.metadata.name).toBe('c7');
    expect(parse).toHaveBeenCalledTimes(1);
    expect(JSON.parse(texts[0] as string)).toEqual(s.get(key('c0')));
    s.close();
  });
});
