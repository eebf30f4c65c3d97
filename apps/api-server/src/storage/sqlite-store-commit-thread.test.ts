/**
 * Group commit on the commit thread: the event loop applies writes while the previous batch is being committed,
 * and nothing is acknowledged or shown before the thread's commit is durable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import type { CommitThread } from './commit-thread.js';
import { isFatalCommitError } from './is-fatal-commit-error.js';
import { SqliteStore } from './sqlite-store.js';
import type { ResourceKey } from './storage.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-commit-thread-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const key = (name: string): ResourceKey => ({ resource: 'configmaps', namespace: 'a', name });
const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name }, data });
/** One turn of the event loop: a batch started at the end of the last one has been handed to the thread. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** watched follows a promise: whether it has settled, and how. */
function watched(p: Promise<void>): { settled: () => 'pending' | 'resolved' | 'rejected'; promise: Promise<void> } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  const promise = p.then(
    () => {
      state = 'resolved';
    },
    (err: unknown) => {
      state = 'rejected';
      throw err;
    },
  );
  promise.catch(() => {});
  return { settled: () => state, promise };
}

/** commitLog returns a reader of the revision each transaction on `path` set (a trigger kept in the file logs them). */
function commitLog(path: string): () => number[] {
  const db = new Database(path);
  db.exec(`CREATE TABLE commit_log (revision INTEGER NOT NULL);
    CREATE TRIGGER log_commits AFTER UPDATE OF revision ON meta BEGIN INSERT INTO commit_log VALUES (NEW.revision); END;`);
  db.close();
  return () => {
    const reader = new Database(path, { readonly: true });
    try {
      return reader.prepare<[], { revision: number }>('SELECT revision FROM commit_log ORDER BY rowid').all().map((r) => r.revision);
    } finally {
      reader.close();
    }
  };
}

describe('SqliteStore group commit on the commit thread', () => {
  it('commits every write of one turn in one transaction', async () => {
    const path = join(dir, 'group.db');
    const s = SqliteStore.open({ path, groupCommit: true });
    const commits = commitLog(path);
    // Many concurrent writers in one turn, as requests arriving together would be.
    await Promise.all(Array.from({ length: 100 }, async (_, i) => {
      s.create(key(`c${i}`), cm(`c${i}`));
      await s.sync();
    }));
    expect(commits()).toEqual([100]);
    for (let i = 0; i < 3; i++) {
      s.update(key('c0'), cm('c0', { i: String(i) }));
      await s.sync();
    }
    expect(commits()).toEqual([100, 101, 102, 103]);
    s.close();
    const reopened = SqliteStore.open({ path });
    expect(reopened.currentRevision()).toBe(103);
    expect(reopened.stats().objects).toEqual({ configmaps: 100 });
    expect(reopened.changesSince(0).map((e) => e.revision)).toEqual(Array.from({ length: 103 }, (_, i) => i + 1));
    reopened.close();
  });

  it('applies writes while a commit is in flight, commits them next, and acknowledges nothing before the thread commits', async () => {
    const path = join(dir, 'in-flight.db');
    const s = SqliteStore.open({ path, groupCommit: true, busyTimeoutMs: 60_000 });
    const commits = commitLog(path);
    const heard: number[] = [];
    s.subscribe((e) => heard.push(e.revision));
    // Holding the write lock from here keeps the thread's commit waiting (busy timeout) until we let go.
    const lock = new Database(path);
    lock.exec('BEGIN IMMEDIATE');
    s.create(key('a'), cm('a'));
    const first = watched(s.sync());
    await tick();
    // The first batch is with the thread; these make the next one, on top of it.
    s.create(key('b'), cm('b'));
    s.update(key('a'), cm('a', { v: '2' }), { expectedRevision: 1 });
    const second = watched(s.sync());
    expect(s.currentRevision()).toBe(3);
    expect(s.get(key('a'))?.data).toEqual({ v: '2' });
    expect(s.get(key('b'))?.metadata.resourceVersion).toBe('2');
    // The thread cannot have committed: nothing is durable, heard, replayed or acknowledged, however many turns pass.
    for (let i = 0; i < 20; i++) await tick();
    expect(first.settled()).toBe('pending');
    expect(second.settled()).toBe('pending');
    expect(s.durableRevision()).toBe(0);
    expect(heard).toEqual([]);
    expect(s.changesSince(0)).toEqual([]);
    lock.exec('ROLLBACK');
    lock.close();
    await first.promise;
    expect(s.durableRevision()).toBeGreaterThanOrEqual(1);
    await second.promise;
    expect(heard).toEqual([1, 2, 3]);
    expect(s.durableRevision()).toBe(3);
    // Two transactions: the batch in flight, then everything applied while it was.
    expect(commits()).toEqual([1, 3]);
    s.close();
    const reopened = SqliteStore.open({ path });
    expect(reopened.get(key('a'))?.data).toEqual({ v: '2' });
    expect(reopened.changesSince(0).map((e) => [e.revision, e.type])).toEqual([[1, 'ADDED'], [2, 'ADDED'], [3, 'MODIFIED']]);
    reopened.close();
  });

  it('undoes the batch applied behind a failed one too, newest first, and rejects both', async () => {
    const path = join(dir, 'failed.db');
    const failures: unknown[] = [];
    const s = SqliteStore.open({ path, groupCommit: true, busyTimeoutMs: 10, onCommitError: (err) => failures.push(err) });
    s.create(key('kept'), cm('kept', { v: '1' }));
    s.create(key('gone'), cm('gone'));
    await s.sync();
    const heard: number[] = [];
    s.subscribe((e) => heard.push(e.revision));
    const lock = new Database(path);
    lock.exec('BEGIN IMMEDIATE');
    // Batch N: in flight, and bound to fail (the lock outlasts the thread's 10 ms busy timeout).
    s.create(key('new'), cm('new'));
    s.update(key('kept'), cm('kept', { v: '2' }), { expectedRevision: 1 });
    const n = watched(s.sync());
    await tick();
    // Batch N+1, applied on top of N's state before the thread's answer is read.
    s.update(key('new'), cm('new', { v: 'x' }), { expectedRevision: 3 });
    s.delete(key('gone'));
    s.create(key('later'), cm('later'));
    const n1 = watched(s.sync());
    expect(s.currentRevision()).toBe(7);
    await expect(n.promise).rejects.toThrow(/locked|busy/i);
    await expect(n1.promise).rejects.toThrow(/locked|busy/i);
    lock.exec('ROLLBACK');
    lock.close();
    // One failed commit: N+1 was never tried, it was built on N.
    expect(failures).toHaveLength(1);
    expect(isFatalCommitError(failures[0])).toBe(false);
    expect(heard).toEqual([]);
    expect(s.currentRevision()).toBe(2);
    expect(s.durableRevision()).toBe(2);
    expect(s.get(key('new'))).toBeUndefined();
    expect(s.get(key('later'))).toBeUndefined();
    expect(s.get(key('gone'))?.metadata.resourceVersion).toBe('2');
    expect(s.get(key('kept'))?.data).toEqual({ v: '1' });
    expect(s.get(key('kept'))?.metadata.resourceVersion).toBe('1');
    expect(s.list('configmaps').items.map((o) => o.metadata.name)).toEqual(['gone', 'kept']);
    // The revisions of both batches are free again, and the store works on.
    expect(s.create(key('next'), cm('next')).metadata.resourceVersion).toBe('3');
    await s.sync();
    expect(heard).toEqual([3]);
    expect(s.changesSince(0).map((e) => e.revision)).toEqual([1, 2, 3]);
    s.close();
  });

  it('close() waits for the commit in flight', async () => {
    const path = join(dir, 'close.db');
    const s = SqliteStore.open({ path, groupCommit: true });
    // Another thread holds the write lock for a while, so the commit is still in flight when close() is called.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.sqlite))(workerData.path);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       db.exec('ROLLBACK');
       db.close();`,
      { eval: true, workerData: { path, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    await new Promise((resolve) => holder.once('message', resolve));
    s.create(key('a'), cm('a'));
    const synced = watched(s.sync());
    await tick();
    s.create(key('b'), cm('b'));
    s.close();
    await Promise.resolve();
    await Promise.resolve();
    expect(synced.settled()).toBe('resolved');
    expect(s.durableRevision()).toBe(2);
    await new Promise((resolve) => holder.once('exit', resolve));
    const reopened = SqliteStore.open({ path });
    expect(reopened.get(key('a'))?.metadata.resourceVersion).toBe('1');
    expect(reopened.get(key('b'))?.metadata.resourceVersion).toBe('2');
    reopened.close();
  });

  it('replays history only up to the durable revision, though the thread may have committed more', async () => {
    const path = join(dir, 'history.db');
    const s = SqliteStore.open({ path, groupCommit: true, windowSize: 1 });
    s.create(key('a'), cm('a'));
    s.create(key('b'), cm('b'));
    await s.sync();
    s.create(key('c'), cm('c'));
    s.create(key('d'), cm('d'));
    await tick();
    // Without yielding, so the thread's answer is not read: wait until its commit is in the file.
    const reader = new Database(path, { readonly: true });
    const newest = reader.prepare<[], { revision: number | null }>('SELECT MAX(revision) AS revision FROM changes');
    const deadline = Date.now() + 30_000;
    while ((newest.get()?.revision ?? 0) < 4) {
      if (Date.now() > deadline) throw new Error('the commit thread did not commit revisions 3 and 4');
    }
    reader.close();
    expect(s.durableRevision()).toBe(2);
    // Revision 1 is outside the one-event window: read from the table, which holds 3 and 4 already.
    expect(s.changesSince(0).map((e) => e.revision)).toEqual([1, 2]);
    expect(s.changesSince(0, Infinity, 'configmaps').map((e) => e.revision)).toEqual([1, 2]);
    await s.sync();
    expect(s.changesSince(0).map((e) => e.revision)).toEqual([1, 2, 3, 4]);
    s.close();
  });

  it('fails every commit once the thread is gone, with an error the api-server treats as fatal', async () => {
    const path = join(dir, 'gone.db');
    const failures: unknown[] = [];
    const s = SqliteStore.open({ path, groupCommit: true, onCommitError: (err) => failures.push(err) });
    (s as unknown as { thread: CommitThread }).thread.close();
    s.create(key('a'), cm('a'));
    await expect(s.sync()).rejects.toThrow(/commit thread/);
    expect(failures).toHaveLength(1);
    expect(isFatalCommitError(failures[0])).toBe(true);
    expect(s.get(key('a'))).toBeUndefined();
    expect(s.currentRevision()).toBe(0);
    s.close();
  });
});
