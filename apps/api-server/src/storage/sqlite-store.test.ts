import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import type { CommitThread } from './commit-thread.js';
import { isFatalCommitError } from './is-fatal-commit-error.js';
import { RevisionRecord } from './revision-record.js';
import { SqliteStore } from './sqlite-store.js';
import { StoreOpenError } from './store-open-error.js';
import { runStoreContract } from './store.case.test.js';
import type { ChangeEvent, ResourceKey } from './storage.js';

runStoreContract('SqliteStore :memory:', (opts) => SqliteStore.open({ path: ':memory:', ...opts }));

let dir: string;
let fileN = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});
runStoreContract('SqliteStore file', (opts) => SqliteStore.open({ path: join(dir, `contract-${fileN++}.db`), ...opts }));

const key = (name: string, namespace = 'a'): ResourceKey => ({ resource: 'configmaps', namespace, name });
const cm = (name: string, data: Record<string, string> = {}, namespace = 'a'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name },
  data,
});

describe('SqliteStore on a file', () => {
  it('finds every object after reopening and continues the revision', () => {
    const path = join(dir, 'reopen.db');
    let s = SqliteStore.open({ path });
    for (let i = 0; i < 20; i++) s.create(key(`c${i}`, i % 2 ? 'odd' : 'even'), cm(`c${i}`, { i: String(i) }, i % 2 ? 'odd' : 'even'));
    s.update(key('c0', 'even'), cm('c0', { i: 'changed' }, 'even'), { ttlSeconds: 3600 });
    s.delete(key('c1', 'odd'));
    const before = { list: s.list('configmaps'), stats: s.stats() };
    s.close();

    s = SqliteStore.open({ path });
    expect(s.currentRevision()).toBe(22);
    expect(s.list('configmaps')).toEqual(before.list);
    expect(s.get(key('c0', 'even'))?.data).toEqual({ i: 'changed' });
    expect(s.get(key('c0', 'even'))?.metadata.resourceVersion).toBe('21');
    expect(s.stats().objects).toEqual(before.stats.objects);
    expect(s.create(key('new'), cm('new')).metadata.resourceVersion).toBe('23');
    // The ttl survived the restart.
    expect(s.expire(Date.now() + 3_601_000)).toBe(1);
    s.close();
  });

  it('never reuses a revision, even with every change compacted and every object deleted', () => {
    const path = join(dir, 'revision.db');
    let s = SqliteStore.open({ path });
    for (let i = 0; i < 5; i++) s.create(key(`c${i}`), cm(`c${i}`));
    for (let i = 0; i < 5; i++) s.delete(key(`c${i}`));
    s.compact({ keepRevisions: 0, keepMs: 0 });
    expect(s.compactedRevision()).toBe(10);
    s.close();

    s = SqliteStore.open({ path });
    expect(s.currentRevision()).toBe(10);
    expect(s.compactedRevision()).toBe(10);
    expect(s.stats().objects).toEqual({});
    expect(s.create(key('c0'), cm('c0')).metadata.resourceVersion).toBe('11');
    s.close();
  });

  it('replays a watch from before a restart, from the window and from the table', () => {
    const path = join(dir, 'replay.db');
    let s = SqliteStore.open({ path });
    s.create(key('c'), cm('c', { v: '0' }));
    for (let i = 1; i <= 30; i++) s.update(key('c'), cm('c', { v: String(i) }));
    s.delete(key('c'));
    const expected = s.changesSince(0);
    s.close();

    for (const windowSize of [4, 10_000]) {
      s = SqliteStore.open({ path, windowSize });
      const replayed = s.changesSince(0);
      // Events parse their objects on demand (getters): compare what a reader sees.
      const seen = (e: ChangeEvent) => ({ key: [e.resource, e.namespace, e.name, e.revision, e.type], object: e.object, objectJson: e.objectJson, prev: e.prevObject });
      expect(replayed.map(seen)).toEqual(expected.map(seen));
      expect(replayed.map((e) => e.revision)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
      expect(replayed[5]?.prevObject?.data).toEqual({ v: '4' });
      expect(replayed[31]?.type).toBe('DELETED');
      expect(replayed[31]?.prevObject?.metadata.resourceVersion).toBe('31');
      expect(s.changesSince(10, 3).map((e) => e.revision)).toEqual([11, 12, 13]);
      expect(s.changesSince(29).map((e) => e.revision)).toEqual([30, 31, 32]);
      s.close();
    }
  });

  it('replays one resource from the table, skipping the others in SQL', () => {
    const s = SqliteStore.open({ path: join(dir, 'by-resource.db'), windowSize: 2 });
    s.create(key('c'), cm('c'));
    for (let i = 0; i < 5; i++) s.create({ resource: 'pods', namespace: 'a', name: `p${i}` }, { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: `p${i}` } });
    s.update(key('c'), cm('c', { v: '1' }));
    s.create({ resource: 'pods', namespace: 'a', name: 'p5' }, { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: 'p5' } });
    expect(s.changesSince(0, Infinity, 'configmaps').map((e) => [e.revision, e.type])).toEqual([
      [1, 'ADDED'],
      [7, 'MODIFIED'],
    ]);
    expect(s.changesSince(0, 2, 'pods').map((e) => e.name)).toEqual(['p0', 'p1']);
    expect(s.changesSince(6, Infinity, 'pods').map((e) => e.name)).toEqual(['p5']);
    s.close();
  });

  it('bounds the change table and truncates the WAL under many updates', () => {
    const path = join(dir, 'bloat.db');
    const s = SqliteStore.open({ path, synchronous: 'NORMAL' });
    s.create(key('hot'), cm('hot'));
    const payload = 'x'.repeat(400);
    let maxWal = 0;
    for (let i = 1; i <= 20_000; i++) {
      s.update(key('hot'), cm('hot', { i: String(i), payload }));
      if (i % 2000 === 0) {
        maxWal = Math.max(maxWal, s.stats().walSizeBytes);
        s.compact({ keepRevisions: 1000, keepMs: 0 });
      }
    }
    s.compact({ keepRevisions: 1000, keepMs: 0 });
    const stats = s.stats();
    expect(stats.revision).toBe(20_001);
    expect(stats.compactedRevision).toBe(19_001);
    expect(stats.walSizeBytes).toBe(0);
    expect(maxWal).toBeGreaterThan(0);
    // ~1000 rows of ~500 bytes: the file stays near 1 MB rather than the ~10 MB 20k rows would take.
    expect(stats.dbSizeBytes).toBeLessThan(2_000_000);
    s.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM changes').get()).toEqual({ n: 1000 });
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('returns freed pages to the file system after a large compaction', () => {
    const path = join(dir, 'shrink.db');
    const s = SqliteStore.open({ path, synchronous: 'NORMAL' });
    const payload = 'y'.repeat(2000);
    for (let i = 0; i < 3000; i++) s.create(key(`c${i}`), cm(`c${i}`, { payload }));
    for (let i = 0; i < 3000; i++) s.delete(key(`c${i}`));
    s.compact({ keepRevisions: 1_000_000, keepMs: 0 });
    const grown = s.stats().dbSizeBytes;
    s.compact({ keepRevisions: 0, keepMs: 0 });
    const shrunk = s.stats().dbSizeBytes;
    expect(grown).toBeGreaterThan(10_000_000);
    expect(shrunk).toBeLessThan(grown / 10);
    s.close();
  });

  it('leaves no trace of a write whose commit failed', () => {
    const path = join(dir, 'busy.db');
    const s = SqliteStore.open({ path, busyTimeoutMs: 10 });
    s.create(key('c'), cm('c', { v: '1' }));
    const heard: number[] = [];
    s.subscribe((e) => heard.push(e.revision));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    expect(() => s.update(key('c'), cm('c', { v: '2' }))).toThrow(/locked|busy/i);
    expect(() => s.create(key('d'), cm('d'))).toThrow(/locked|busy/i);
    other.exec('ROLLBACK');
    other.close();
    expect(s.currentRevision()).toBe(1);
    expect(s.get(key('c'))?.data).toEqual({ v: '1' });
    expect(s.get(key('d'))).toBeUndefined();
    expect(heard).toEqual([]);
    expect(s.update(key('c'), cm('c', { v: '2' })).metadata.resourceVersion).toBe('2');
    expect(s.changesSince(0).map((e) => e.revision)).toEqual([1, 2]);
    s.close();
  });

  it('with group commit, rolls back a batch whose commit failed: sync rejects, listeners hear nothing', async () => {
    const path = join(dir, 'group-busy.db');
    const failures: unknown[] = [];
    const s = SqliteStore.open({ path, busyTimeoutMs: 10, groupCommit: true, onCommitError: (err) => failures.push(err) });
    s.create(key('c'), cm('c', { v: '1' }));
    s.create(key('gone'), cm('gone'));
    await s.sync();
    const heard: number[] = [];
    s.subscribe((e) => heard.push(e.revision));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    s.update(key('c'), cm('c', { v: '2' }), { expectedRevision: 1 });
    s.create(key('d'), cm('d'));
    s.delete(key('gone'));
    s.update(key('d'), cm('d', { v: 'x' }));
    expect(s.get(key('c'))?.data).toEqual({ v: '2' });
    expect(s.currentRevision()).toBe(6);
    await expect(s.sync()).rejects.toThrow(/locked|busy/i);
    other.exec('ROLLBACK');
    other.close();
    expect(failures).toHaveLength(1);
    expect(heard).toEqual([]);
    expect(s.currentRevision()).toBe(2);
    expect(s.durableRevision()).toBe(2);
    expect(s.get(key('c'))?.data).toEqual({ v: '1' });
    expect(s.get(key('c'))?.metadata.resourceVersion).toBe('1');
    expect(s.get(key('gone'))).toBeDefined();
    expect(s.get(key('d'))).toBeUndefined();
    expect(s.list('configmaps').items.map((o) => o.metadata.name)).toEqual(['c', 'gone']);
    expect(s.stats().objects).toEqual({ configmaps: 2 });
    // The revisions of the failed batch are free again, and the store works on.
    expect(s.update(key('c'), cm('c', { v: '3' }), { expectedRevision: 1 }).metadata.resourceVersion).toBe('3');
    await s.sync();
    expect(heard).toEqual([3]);
    expect(s.changesSince(0).map((e) => e.revision)).toEqual([1, 2, 3]);
    s.close();
  });

  it('runs WAL with synchronous FULL unless NORMAL is asked for', () => {
    const pragma = (s: SqliteStore, name: string): unknown => (s as unknown as { db: Database.Database }).db.pragma(name, { simple: true });
    const full = SqliteStore.open({ path: join(dir, 'full.db') });
    expect(pragma(full, 'journal_mode')).toBe('wal');
    expect(pragma(full, 'synchronous')).toBe(2);
    expect(pragma(full, 'busy_timeout')).toBe(5000);
    full.close();
    const normal = SqliteStore.open({ path: join(dir, 'normal.db'), synchronous: 'NORMAL' });
    expect(pragma(normal, 'synchronous')).toBe(1);
    normal.close();
    expect(() => SqliteStore.open({ path: join(dir, 'off.db'), synchronous: 'OFF' as 'FULL' })).toThrow(/FULL or NORMAL/);
  });

  it('reports database and WAL sizes', () => {
    const path = join(dir, 'sizes.db');
    const s = SqliteStore.open({ path });
    s.create(key('c'), cm('c'));
    const stats = s.stats();
    expect(stats.dbSizeBytes).toBeGreaterThan(0);
    expect(stats.walSizeBytes).toBeGreaterThan(0);
    s.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => SqliteStore.open({ path })).toThrow(/schema version 99/);
  });

  it('answers a commit that fails on a full disk with 507, rolls it back, and commits again once there is room', async () => {
    const path = join(dir, 'full-disk.db');
    const failures: unknown[] = [];
    const s = SqliteStore.open({ path, groupCommit: true, onCommitError: (err) => failures.push(err) });
    s.create(key('c'), cm('c'));
    await s.sync();
    // SQLite answers SQLITE_FULL, as on a full disk, once the file would outgrow max_page_count: a setting of the
    // connection that commits, the commit thread's.
    const thread = (s as unknown as { thread: CommitThread }).thread;
    const pages = (s as unknown as { db: Database.Database }).db.pragma('page_count', { simple: true }) as number;
    thread.pragma(`max_page_count = ${pages}`);
    const big = { v: 'x'.repeat(64 * 1024) };
    s.create(key('d'), cm('d', big));
    await expect(s.sync()).rejects.toMatchObject({ code: 507, reason: 'InternalError', message: expect.stringMatching(/disk is full.*SQLITE_FULL/) });
    expect(failures).toHaveLength(1);
    expect(isFatalCommitError(failures[0])).toBe(false);
    expect(s.get(key('d'))).toBeUndefined();
    expect(s.currentRevision()).toBe(1);
    thread.pragma('max_page_count = 1073741823');
    expect(s.create(key('d'), cm('d', big)).metadata.resourceVersion).toBe('2');
    await s.sync();
    s.close();
    const reopened = SqliteStore.open({ path });
    expect(reopened.get(key('d'))?.data).toEqual(big);
    reopened.close();
  });

  it('records each committed revision beside the database before its sync() resolves', async () => {
    const path = join(dir, 'recorded.db');
    const s = SqliteStore.open({ path, groupCommit: true });
    expect(RevisionRecord.open(RevisionRecord.pathFor(path))?.revision).toBe(0);
    s.create(key('a'), cm('a'));
    s.create(key('b'), cm('b'));
    await s.sync();
    expect(RevisionRecord.open(RevisionRecord.pathFor(path))?.revision).toBe(2);
    s.close();
  });

  it('keeps a committed batch whose revision could not be recorded, and fails its sync()', async () => {
    const path = join(dir, 'unrecorded.db');
    const failures: unknown[] = [];
    const s = SqliteStore.open({ path, groupCommit: true, onCommitError: (err) => failures.push(err) });
    (s as unknown as { record: RevisionRecord }).record.close(); // every later write fails (EBADF)
    const heard: number[] = [];
    s.subscribe((e) => heard.push(e.revision));
    s.create(key('a'), cm('a'));
    await expect(s.sync()).rejects.toThrow(/the write was committed, but recording revision 1 in .*recorded/);
    expect(failures).toHaveLength(1);
    // Memory agrees with the file: the write stays, and the next one gets a new revision.
    expect(heard).toEqual([1]);
    expect(s.durableRevision()).toBe(1);
    expect(s.get(key('a'))?.metadata.resourceVersion).toBe('1');
    (s as unknown as { record: undefined }).record = undefined;
    s.close();
    const reopened = SqliteStore.open({ path });
    expect(reopened.get(key('a'))?.metadata.resourceVersion).toBe('1');
    reopened.close();
  });

  it('refuses a database that holds less than its revision record vouches for; acceptRollback bumps past it', () => {
    const path = join(dir, 'rolled-back.db');
    const s = SqliteStore.open({ path });
    for (const n of ['a', 'b', 'c']) s.create(key(n), cm(n));
    s.close();
    RevisionRecord.create(RevisionRecord.pathFor(path), 10).close();
    expect(() => SqliteStore.open({ path })).toThrow(StoreOpenError);
    expect(() => SqliteStore.open({ path })).toThrow(/went backwards: it holds revision 3 but .*-revision vouches that revision 10 was committed/);

    const accepted = SqliteStore.open({ path, acceptRollback: true });
    expect(accepted.acceptedRollback).toEqual({ recorded: 10, found: 3 });
    expect(accepted.currentRevision()).toBe(10);
    expect(accepted.compactedRevision()).toBe(10);
    expect(() => accepted.changesSince(3)).toThrow(/too old resource version/);
    expect(accepted.get(key('c'))?.metadata.resourceVersion).toBe('3');
    expect(accepted.create(key('d'), cm('d')).metadata.resourceVersion).toBe('11');
    accepted.close();
    const again = SqliteStore.open({ path });
    expect(again.acceptedRollback).toBeUndefined();
    expect(again.currentRevision()).toBe(11);
    again.close();
  });

  it('refuses a damaged revision record unless told to trust the database', () => {
    const path = join(dir, 'damaged-record.db');
    SqliteStore.open({ path }).close();
    writeFileSync(RevisionRecord.pathFor(path), Buffer.alloc(1024, 1));
    expect(() => SqliteStore.open({ path })).toThrow(/is damaged.*--accept-store-rollback/);
    SqliteStore.open({ path, acceptRollback: true }).close();
    expect(RevisionRecord.open(RevisionRecord.pathFor(path))?.revision).toBe(0);
  });
});
