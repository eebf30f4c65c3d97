import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { goJson, goStringify } from './go-json.js';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { ResourceKey, Storage } from './storage.js';
import { storedJson } from './stored-json.js';

const COMMAND = 'test 1 -lt 2 && echo "<ok>" >/dev/null \u2028\u2029';
const GO_TEXT = 'test 1 -lt 2 \\u0026\\u0026 echo \\"\\u003cok\\u003e\\" \\u003e/dev/null \\u2028\\u2029';
const key: ResourceKey = { resource: 'controllerrevisions', namespace: 'a', name: 'r1' };
const revision = (): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { namespace: 'a', name: 'r1' }, data: { spec: { template: { spec: { containers: [{ command: ['sh', '-c', COMMAND] }] } } } }, revision: 1 } as KubeObject);

describe('goJson', () => {
  it('escapes & < > U+2028 U+2029 as Go encoding/json does, and the text still parses to the same value', () => {
    const text = goStringify({ s: COMMAND });
    expect(text).toBe(`{"s":"${GO_TEXT}"}`);
    expect(JSON.parse(text)).toEqual({ s: COMMAND });
  });
  it('returns text without those characters as it is', () => {
    const text = JSON.stringify({ s: 'plain "text" \\ é' });
    expect(goJson(text)).toBe(text);
  });
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-go-json-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => Storage][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => SqliteStore.open({ path: join(dir, 'store.db') })],
];

describe.each(stores)('%s keeps stored text escaped as Go writes it', (_name, open) => {
  it('in gets, lists and change events', () => {
    const s = open();
    const created = s.create(key, revision());
    expect(storedJson(created)).toContain(GO_TEXT);
    expect(storedJson(s.get(key)!)).toContain(GO_TEXT);
    expect([...s.listAfter('controllerrevisions', 'a', undefined).entries].map((e) => e.json)).toEqual([expect.stringContaining(GO_TEXT)]);
    const deleted = s.delete(key);
    expect(s.changesSince(0).map((e) => e.objectJson)).toEqual([expect.stringContaining(GO_TEXT), expect.stringContaining(GO_TEXT)]);
    expect(storedJson(deleted)).toContain(GO_TEXT);
    s.close();
  });

  it('holds an object to the size limit as written, not as escaped', () => {
    const s = open();
    // 1 MiB of '<': under the 1.5 MiB limit, 6 MiB once escaped.
    const html = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name: 'html' }, data: { page: '<'.repeat(1024 * 1024) } } as KubeObject;
    expect(s.create({ resource: 'configmaps', namespace: 'a', name: 'html' }, html).metadata.resourceVersion).toBe('1');
    expect(JSON.parse(storedJson(s.get({ resource: 'configmaps', namespace: 'a', name: 'html' })!)).data.page).toHaveLength(1024 * 1024);
    s.close();
  });
});

describe('SqliteStore', () => {
  it('escapes rows an earlier version wrote without escaping, objects and history alike, as it reads them', () => {
    const path = join(dir, 'old.db');
    let s = SqliteStore.open({ path });
    s.create(key, revision());
    s.close();
    const db = new Database(path);
    const unescape = (col: string) => `${col} = replace(replace(replace(${col}, '\\u0026', '&'), '\\u003c', '<'), '\\u003e', '>')`;
    db.prepare(`UPDATE objects SET ${unescape('json')}`).run();
    db.prepare(`UPDATE changes SET ${unescape('json')}`).run();
    expect((db.prepare('SELECT json FROM objects').get() as { json: string }).json).toContain('&& echo');
    db.close();

    s = SqliteStore.open({ path });
    expect([...s.listAfter('controllerrevisions', 'a', undefined).entries].map((e) => e.json)).toEqual([expect.stringContaining('\\u0026\\u0026 echo')]);
    expect(s.changesSince(0).map((e) => e.objectJson)).toEqual([expect.stringContaining('\\u0026\\u0026 echo')]);
    s.close();
  });
});
