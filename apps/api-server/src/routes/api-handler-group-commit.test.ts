/**
 * Responses and watches over a group-commit store: nothing is revealed before its commit, and a failed commit
 * answers 500 and leaves no trace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { api, pod, startServer, type RunningServer } from '../../test/harness.js';
import { httpWatch, wsWatch } from '../../test/watch-stream.js';
import type { PendingChange } from '../storage/base-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import type { ResourceKey } from '../storage/storage.js';

/** FlakyStore group-commits in memory, counts commits, and fails them on demand like a disk would. */
class FlakyStore extends MemoryStore {
  failing = false;
  commits = 0;
  /** Revisions of the writes in each commit, as persisted. */
  committed: number[] = [];
  constructor() {
    super({ groupCommit: true });
  }
  protected override persist(changes: readonly PendingChange[]): void {
    if (this.failing) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    this.commits++;
    for (const c of changes) this.committed.push(c.event.revision);
  }
}

let srv: RunningServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('api-server on a group-commit store', () => {
  it('answers every write only after its commit, many writes sharing one', async () => {
    const store = new FlakyStore();
    srv = await startServer({ store });
    await store.sync();
    const before = store.commits;
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const r = await api(srv!.url, 'POST', '/api/v1/namespaces/default/pods', pod(`p${i}`));
        // Seen by the client: the revision must already be persisted.
        return { status: r.status, rv: Number(r.body.metadata.resourceVersion), persisted: store.committed.includes(Number(r.body.metadata.resourceVersion)) };
      }),
    );
    expect(results.every((r) => r.status === 201 && r.persisted)).toBe(true);
    expect(store.commits - before).toBeLessThan(40);
  });

  it('fails writes whose commit failed with 500, rolls them back, and never shows them to watchers', async () => {
    const store = new FlakyStore();
    srv = await startServer({ store });
    const ws = await wsWatch(`${srv.url.replace('http', 'ws')}/api/v1/namespaces/default/pods?watch=true`);
    const http = await httpWatch(`${srv.url}/api/v1/namespaces/default/pods?watch=true`);
    store.failing = true;
    const failed = await api(srv.url, 'POST', '/api/v1/namespaces/default/pods', pod('lost'));
    expect(failed.status).toBe(500);
    expect(failed.body.message).toContain('disk I/O error');
    store.failing = false;
    expect((await api(srv.url, 'GET', '/api/v1/namespaces/default/pods/lost')).status).toBe(404);
    const kept = await api(srv.url, 'POST', '/api/v1/namespaces/default/pods', pod('kept'));
    expect(kept.status).toBe(201);
    for (const stream of [ws, http]) {
      const [ev] = await stream.waitFor(1);
      expect(ev.type).toBe('ADDED');
      expect(ev.object.metadata.name).toBe('kept');
      expect(ev.object.metadata.resourceVersion).toBe(kept.body.metadata.resourceVersion);
    }
    ws.close();
    http.close();
  });

  it('holds reads of state whose commit is pending until it is durable, and fails them if it is not', async () => {
    const store = new FlakyStore();
    srv = await startServer({ store });
    const realGet = store.get.bind(store);
    // A write lands in the same turn as the read, just before it: the read sees it in memory, uncommitted.
    store.get = (key: ResourceKey): KubeObject | undefined => {
      if (key.resource === 'pods' && key.name.startsWith('racy') && !realGet(key)) {
        store.create(key, { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: key.namespace, name: key.name }, spec: { containers: [] } } as KubeObject);
      }
      return realGet(key);
    };
    const ok = await api(srv.url, 'GET', '/api/v1/namespaces/default/pods/racy-1');
    expect(ok.status).toBe(200);
    expect(store.committed).toContain(Number(ok.body.metadata.resourceVersion));
    store.failing = true;
    const failed = await api(srv.url, 'GET', '/api/v1/namespaces/default/pods/racy-2');
    expect(failed.status).toBe(500);
    store.failing = false;
    expect(realGet({ resource: 'pods', namespace: 'default', name: 'racy-2' })).toBeUndefined();
  });
});
