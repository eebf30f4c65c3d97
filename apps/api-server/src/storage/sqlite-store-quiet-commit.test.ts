/**
 * quietCommitMs: a batch that follows a pause in commits (an idle cluster's Lease renewal) is committed on the
 * store's own connection, without the commit thread's hand-off; writes that come close together keep the thread.
 * Either way the write is on disk before sync() resolves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { KubeObject } from '@skiff/api';
import type { CommitThread } from './commit-thread.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-quiet-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lease = (name: string, renew: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { renewTime: renew } });
const key = (name: string) => ({ resource: 'leases', namespace: 'kube-node-lease', name });

/** onDisk reads an object's stored revision through a connection of its own. */
function onDisk(path: string, name: string): number | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT revision FROM objects WHERE name = ?').get(name) as { revision: number } | undefined)?.revision;
  } finally {
    db.close();
  }
}

function open(path: string, now: { ms: number }, quietCommitMs?: number) {
  const store = SqliteStore.open({ path, groupCommit: true, clock: () => now.ms, ...(quietCommitMs !== undefined ? { quietCommitMs } : {}) });
  const thread = (store as unknown as { thread: CommitThread }).thread;
  return { store, commits: vi.spyOn(thread, 'commit') };
}

it('commits a write after a pause without the thread, and writes in quick succession on it', async () => {
  const path = join(dir, 'skiff.db');
  const now = { ms: 1_000_000 };
  const { store, commits } = open(path, now, 100);
  try {
    store.create(key('n1'), lease('n1', 't0'));
    await store.sync();
    expect(commits).not.toHaveBeenCalled();
    expect(onDisk(path, 'n1')).toBe(1);

    // 10 ms after the last commit ended: a busy store, the thread commits.
    now.ms += 10;
    store.update(key('n1'), lease('n1', 't1'));
    await store.sync();
    expect(commits).toHaveBeenCalledTimes(1);
    expect(onDisk(path, 'n1')).toBe(2);

    // A renewal 2.5 s later: on the store's connection again, and on disk before sync() resolves.
    now.ms += 2_500;
    store.update(key('n1'), lease('n1', 't2'));
    await store.sync();
    expect(commits).toHaveBeenCalledTimes(1);
    expect(onDisk(path, 'n1')).toBe(3);
    expect(store.durableRevision()).toBe(3);
  } finally {
    store.close();
  }
  // What the two connections wrote reads back as one history.
  const again = SqliteStore.open({ path });
  try {
    expect(again.changesSince(0).map((e) => e.revision)).toEqual([1, 2, 3]);
    expect(again.get(key('n1'))?.spec).toEqual({ renewTime: 't2' });
  } finally {
    again.close();
  }
});

it('sends every batch to the thread without quietCommitMs', async () => {
  const now = { ms: 1_000_000 };
  const { store, commits } = open(join(dir, 'skiff.db'), now);
  try {
    store.create(key('n1'), lease('n1', 't0'));
    await store.sync();
    now.ms += 10_000;
    store.update(key('n1'), lease('n1', 't1'));
    await store.sync();
    expect(commits).toHaveBeenCalledTimes(2);
  } finally {
    store.close();
  }
});
