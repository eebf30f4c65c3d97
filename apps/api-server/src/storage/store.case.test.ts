/**
 * @module The behaviour contract every Storage implementation must meet; memory-store.test.ts and
 * sqlite-store.test.ts run it against their store.
 */
import { describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isGone, isNotFound } from '@skiff/api';
import type { ApiError, KubeObject } from '@skiff/api';
import type { ChangeEvent, ResourceKey, Storage } from './storage.js';

/** ContractStoreOptions are what the suite may ask of a fresh store: a clock it controls. */
export interface ContractStoreOptions {
  clock?: () => number;
  onListenerError?: (err: unknown, event: ChangeEvent) => void;
  groupCommit?: boolean;
}

const pod = (namespace: string, name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});
const podKey = (namespace: string, name: string): ResourceKey => ({ resource: 'pods', namespace, name });
const deployKey = (namespace: string, name: string): ResourceKey => ({ resource: 'deployments.apps', namespace, name });
const deployment = (namespace: string, name: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace, name }, spec: { replicas: 1 } });
const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected an error');
}

/** runStoreContract registers the shared Storage contract tests for one implementation. */
export function runStoreContract(name: string, makeStore: (opts?: ContractStoreOptions) => Storage): void {
  describe(`${name} storage contract`, () => {
    it('creates, gets and stamps resourceVersion', () => {
      const s = makeStore();
      expect(s.currentRevision()).toBe(0);
      const created = s.create(podKey('default', 'a'), pod('default', 'a'));
      expect(created.metadata.resourceVersion).toBe('1');
      expect(s.get(podKey('default', 'a'))).toEqual(created);
      expect(s.get(podKey('default', 'missing'))).toBeUndefined();
      expect(s.get(podKey('other', 'a'))).toBeUndefined();
      expect(s.get({ resource: 'nodes', namespace: '', name: 'a' })).toBeUndefined();
    });

    it('lists one namespace or all, ordered by namespace then name', () => {
      const s = makeStore();
      for (const [ns, n] of [['b', 'y'], ['a', 'z'], ['b', 'x'], ['a', 'b'], ['c', 'a']] as const) s.create(podKey(ns, n), pod(ns, n));
      s.create(deployKey('a', 'd'), deployment('a', 'd'));
      s.create({ resource: 'nodes', namespace: '', name: 'n2' }, node('n2'));
      s.create({ resource: 'nodes', namespace: '', name: 'n1' }, node('n1'));
      const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(names(s.list('pods', 'a').items)).toEqual(['a/b', 'a/z']);
      expect(names(s.list('pods').items)).toEqual(['a/b', 'a/z', 'b/x', 'b/y', 'c/a']);
      expect(names(s.list('nodes').items)).toEqual(['/n1', '/n2']);
      expect(names(s.list('nodes', '').items)).toEqual(['/n1', '/n2']);
      expect(s.list('pods', 'nope').items).toEqual([]);
      expect(s.list('services').items).toEqual([]);
      expect(s.list('pods').revision).toBe(s.currentRevision());
      s.delete(podKey('a', 'b'));
      s.create(podKey('a', 'a'), pod('a', 'a'));
      expect(names(s.list('pods').items)).toEqual(['a/a', 'a/z', 'b/x', 'b/y', 'c/a']);
    });

    it('reads a list in key order from after a key, with how many follow', () => {
      const s = makeStore();
      for (const [ns, n] of [['b', 'y'], ['a', 'z'], ['b', 'x'], ['a', 'b'], ['c', 'a']] as const) s.create(podKey(ns, n), pod(ns, n));
      s.create({ resource: 'nodes', namespace: '', name: 'n2' }, node('n2'));
      s.create({ resource: 'nodes', namespace: '', name: 'n1' }, node('n1'));
      const read = (resource: string, ns: string | undefined, after?: { namespace: string; name: string }) => {
        const r = s.listAfter(resource, ns, after);
        const names = [...r.objects].map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);
        expect(r.count).toBe(names.length);
        return names;
      };
      expect(read('pods', undefined)).toEqual(['a/b', 'a/z', 'b/x', 'b/y', 'c/a']);
      expect(read('pods', undefined, { namespace: 'a', name: 'z' })).toEqual(['b/x', 'b/y', 'c/a']);
      // A key that is not stored still positions the read: after a/c comes a/z.
      expect(read('pods', undefined, { namespace: 'a', name: 'c' })).toEqual(['a/z', 'b/x', 'b/y', 'c/a']);
      expect(read('pods', 'b', { namespace: 'b', name: 'x' })).toEqual(['b/y']);
      expect(read('pods', undefined, { namespace: 'c', name: 'a' })).toEqual([]);
      expect(read('nodes', undefined, { namespace: '', name: 'n1' })).toEqual(['/n2']);
      expect(read('services', undefined)).toEqual([]);
      // Writes show in the next read: a new key takes its place, an update keeps it, a delete leaves it.
      s.create(podKey('a', 'c'), pod('a', 'c'));
      expect(read('pods', 'a', { namespace: 'a', name: 'b' })).toEqual(['a/c', 'a/z']);
      s.update(podKey('a', 'c'), pod('a', 'c', { spec: { containers: [{ name: 'c', image: 'v2' }] } }));
      s.delete(podKey('b', 'x'));
      const after = [...s.listAfter('pods', undefined, { namespace: 'a', name: 'b' }).objects];
      expect(after.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['a/c', 'a/z', 'b/y', 'c/a']);
      expect((after[0]!.spec as { containers: { image: string }[] }).containers[0]!.image).toBe('v2');
      expect(s.list('pods', 'a').items.map((o) => o.metadata.resourceVersion)).toEqual(
        ['b', 'c', 'z'].map((n) => s.get(podKey('a', n))!.metadata.resourceVersion),
      );
    });

    it('returns a list array the caller may change without changing the store', () => {
      const s = makeStore();
      s.create(podKey('a', 'x'), pod('a', 'x'));
      s.list('pods').items.pop();
      s.list('pods', 'a').items.pop();
      expect(s.list('pods').items).toHaveLength(1);
      expect(s.list('pods', 'a').items).toHaveLength(1);
    });

    it('refuses to create an existing object with AlreadyExists', () => {
      const s = makeStore();
      s.create(podKey('default', 'a'), pod('default', 'a'));
      const err = thrown(() => s.create(podKey('default', 'a'), pod('default', 'a')));
      expect(isAlreadyExists(err)).toBe(true);
      expect(err.code).toBe(409);
      expect(err.message).toBe('pods "a" already exists');
      s.create(deployKey('default', 'd'), deployment('default', 'd'));
      const grouped = thrown(() => s.create(deployKey('default', 'd'), deployment('default', 'd')));
      expect(grouped.message).toBe('deployments.apps "d" already exists');
      expect(grouped.details).toMatchObject({ name: 'd', kind: 'deployments', group: 'apps' });
      expect(s.currentRevision()).toBe(2);
    });

    it('updates with and without expectedRevision and refuses a stale one with Conflict', () => {
      const s = makeStore();
      s.create(podKey('default', 'a'), pod('default', 'a'));
      const u1 = s.update(podKey('default', 'a'), pod('default', 'a', { status: { phase: 'Pending' } }));
      expect(u1.metadata.resourceVersion).toBe('2');
      const u2 = s.update(podKey('default', 'a'), pod('default', 'a', { status: { phase: 'Running' } }), { expectedRevision: 2 });
      expect(u2.metadata.resourceVersion).toBe('3');
      const err = thrown(() => s.update(podKey('default', 'a'), pod('default', 'a', { status: { phase: 'Failed' } }), { expectedRevision: 2 }));
      expect(isConflict(err)).toBe(true);
      expect(err.code).toBe(409);
      expect(err.message).toContain('Operation cannot be fulfilled on pods "a"');
      expect(s.get(podKey('default', 'a'))?.status).toEqual({ phase: 'Running' });
      expect(s.currentRevision()).toBe(3);
    });

    it('answers NotFound for updates and deletes of missing objects', () => {
      const s = makeStore();
      const u = thrown(() => s.update(deployKey('ns', 'gone'), deployment('ns', 'gone')));
      expect(isNotFound(u)).toBe(true);
      expect(u.code).toBe(404);
      expect(u.message).toBe('deployments.apps "gone" not found');
      expect(isNotFound(thrown(() => s.delete(podKey('ns', 'gone'))))).toBe(true);
      expect(s.currentRevision()).toBe(0);
    });

    it('deletes with a revision precondition and returns the last state at the delete revision', () => {
      const s = makeStore();
      s.create(podKey('default', 'a'), pod('default', 'a'));
      s.update(podKey('default', 'a'), pod('default', 'a', { status: { phase: 'Running' } }));
      const err = thrown(() => s.delete(podKey('default', 'a'), { expectedRevision: 1 }));
      expect(isConflict(err)).toBe(true);
      expect(err.message).toContain('Precondition failed');
      expect(s.get(podKey('default', 'a'))).toBeDefined();
      const last = s.delete(podKey('default', 'a'), { expectedRevision: 2 });
      expect(last.metadata.resourceVersion).toBe('3');
      expect(last.status).toEqual({ phase: 'Running' });
      expect(s.get(podKey('default', 'a'))).toBeUndefined();
      expect(s.list('pods').items).toEqual([]);
      s.create(podKey('default', 'a'), pod('default', 'a'));
      expect(s.get(podKey('default', 'a'))?.metadata.resourceVersion).toBe('4');
    });

    it('keeps one global, strictly increasing revision across resources', () => {
      const s = makeStore();
      const seen = [
        s.create(podKey('a', 'p'), pod('a', 'p')),
        s.create(deployKey('a', 'd'), deployment('a', 'd')),
        s.create({ resource: 'nodes', namespace: '', name: 'n' }, node('n')),
        s.update(podKey('a', 'p'), pod('a', 'p')),
        s.delete(deployKey('a', 'd')),
      ].map((o) => Number(o.metadata.resourceVersion));
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(s.currentRevision()).toBe(5);
    });

    it('does not restamp an object that a caller shallow-copied for an update', () => {
      const s = makeStore();
      const first = s.create(podKey('a', 'p'), pod('a', 'p'));
      s.update(podKey('a', 'p'), { ...first, status: { phase: 'Running' } });
      expect(first.metadata.resourceVersion).toBe('1');
      expect(s.changesSince(1)[0]?.prevObject?.metadata.resourceVersion).toBe('1');
    });

    it('replays changes after a revision, in order, with prevObject and objectJson', () => {
      const s = makeStore();
      s.create(podKey('a', 'p'), pod('a', 'p'));
      s.create(deployKey('a', 'd'), deployment('a', 'd'));
      s.update(podKey('a', 'p'), pod('a', 'p', { status: { phase: 'Running' } }));
      s.delete(podKey('a', 'p'));
      const all = s.changesSince(0);
      expect(all.map((e) => [e.revision, e.type, e.resource, e.namespace, e.name])).toEqual([
        [1, 'ADDED', 'pods', 'a', 'p'],
        [2, 'ADDED', 'deployments.apps', 'a', 'd'],
        [3, 'MODIFIED', 'pods', 'a', 'p'],
        [4, 'DELETED', 'pods', 'a', 'p'],
      ]);
      for (const e of all) {
        expect(JSON.parse(e.objectJson)).toEqual(e.object);
        expect(e.object.metadata.resourceVersion).toBe(String(e.revision));
      }
      const [added, , modified, deleted] = all as [ChangeEvent, ChangeEvent, ChangeEvent, ChangeEvent];
      expect(added.prevObject).toBeUndefined();
      expect(modified.prevObject?.metadata.resourceVersion).toBe('1');
      expect(modified.prevObject?.status).toBeUndefined();
      expect(deleted.prevObject?.metadata.resourceVersion).toBe('3');
      expect(deleted.object.status).toEqual({ phase: 'Running' });
      expect(s.changesSince(2).map((e) => e.revision)).toEqual([3, 4]);
      expect(s.changesSince(0, 2).map((e) => e.revision)).toEqual([1, 2]);
      expect(s.changesSince(4)).toEqual([]);
      expect(s.changesSince(99)).toEqual([]);
    });

    it('replays the changes of one resource only when asked', () => {
      const s = makeStore();
      s.create(podKey('a', 'p1'), pod('a', 'p1'));
      s.create(deployKey('a', 'd1'), deployment('a', 'd1'));
      s.create(podKey('a', 'p2'), pod('a', 'p2'));
      s.delete(podKey('a', 'p1'));
      s.create(deployKey('a', 'd2'), deployment('a', 'd2'));
      s.create(podKey('a', 'p3'), pod('a', 'p3'));
      const of = (after: number, resource: string, limit?: number) => s.changesSince(after, limit, resource).map((e) => `${e.type} ${e.name}`);
      expect(of(3, 'pods')).toEqual(['DELETED p1', 'ADDED p3']);
      expect(of(3, 'deployments.apps')).toEqual(['ADDED d2']);
      expect(of(4, 'pods', 1)).toEqual(['ADDED p3']);
      expect(of(6, 'pods')).toEqual([]);
    });

    it('calls listeners after commit, in order, past a listener that throws', () => {
      const reported: string[] = [];
      const s = makeStore({ onListenerError: (err, e) => reported.push(`${(err as Error).message}@${e.revision}`) });
      const heard: string[] = [];
      const thrower: number[] = [];
      s.subscribe((e) => heard.push(`first:${e.revision}:${e.type}`));
      s.subscribe((e) => {
        if (e.revision === 2) throw new Error('boom');
        thrower.push(e.revision);
      });
      const unsubscribe = s.subscribe((e) => {
        expect(s.currentRevision()).toBe(e.revision);
        heard.push(`third:${e.revision}`);
      });
      s.create(podKey('a', 'p'), pod('a', 'p'));
      expect(() => s.update(podKey('a', 'p'), pod('a', 'p'))).not.toThrow();
      unsubscribe();
      s.delete(podKey('a', 'p'));
      expect(heard).toEqual(['first:1:ADDED', 'third:1', 'first:2:MODIFIED', 'third:2', 'first:3:DELETED']);
      expect(thrower).toEqual([1, 3]);
      expect(reported).toEqual(['boom@2']);
      expect(s.currentRevision()).toBe(3);
      expect(s.get(podKey('a', 'p'))).toBeUndefined();
    });

    it('delivers in revision order to every listener even when a listener writes', () => {
      const s = makeStore();
      const first: number[] = [];
      const second: number[] = [];
      s.subscribe((e) => {
        first.push(e.revision);
        if (e.type === 'ADDED' && e.resource === 'pods') s.create(deployKey(e.namespace, e.name), deployment(e.namespace, e.name));
      });
      s.subscribe((e) => second.push(e.revision));
      s.create(podKey('a', 'p'), pod('a', 'p'));
      expect(first).toEqual([1, 2]);
      expect(second).toEqual([1, 2]);
    });

    it('expires objects whose ttl ran out, emitting DELETED', () => {
      let now = 1_000_000;
      const s = makeStore({ clock: () => now });
      const events: ChangeEvent[] = [];
      s.subscribe((e) => events.push(e));
      s.create({ resource: 'events', namespace: 'a', name: 'e1' }, { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: 'e1' } }, { ttlSeconds: 60 });
      now += 30_000;
      s.create({ resource: 'events', namespace: 'a', name: 'e2' }, { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: 'e2' } }, { ttlSeconds: 60 });
      s.create(podKey('a', 'p'), pod('a', 'p'));
      expect(s.expire(now + 29_999)).toBe(0);
      expect(s.expire(now + 30_000)).toBe(1);
      expect(s.get({ resource: 'events', namespace: 'a', name: 'e1' })).toBeUndefined();
      const last = events.at(-1);
      expect(last).toMatchObject({ type: 'DELETED', name: 'e1', revision: 4 });
      expect(last?.object.metadata.resourceVersion).toBe('4');
      // An update without ttlSeconds keeps the expiry; one with ttlSeconds restarts it.
      s.update({ resource: 'events', namespace: 'a', name: 'e2' }, { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: 'e2' } });
      expect(s.expire(now + 60_000)).toBe(1);
      s.create({ resource: 'events', namespace: 'a', name: 'e3' }, { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: 'e3' } }, { ttlSeconds: 10 });
      s.update({ resource: 'events', namespace: 'a', name: 'e3' }, { apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: 'e3' } }, { ttlSeconds: 100 });
      expect(s.expire(now + 50_000)).toBe(0);
      expect(s.expire(now + 100_000)).toBe(1);
      expect(s.get(podKey('a', 'p'))).toBeDefined();
      expect(s.stats().objects['events']).toBe(0);
    });

    it('expires many objects in one call, one revision each', () => {
      const s = makeStore({ clock: () => 0 });
      for (let i = 0; i < 50; i++) s.create({ resource: 'events', namespace: 'a', name: `e${i}` }, { apiVersion: 'v1', kind: 'Event', metadata: { name: `e${i}` } }, { ttlSeconds: 1 });
      const revisions: number[] = [];
      s.subscribe((e) => revisions.push(e.revision));
      expect(s.expire(1000)).toBe(50);
      expect(revisions).toEqual(Array.from({ length: 50 }, (_, i) => 51 + i));
      expect(s.list('events').items).toEqual([]);
    });

    it('compacts history by revisions: 410 before the window, replay inside it', () => {
      const s = makeStore();
      s.create(podKey('a', 'p'), pod('a', 'p'));
      for (let i = 0; i < 9; i++) s.update(podKey('a', 'p'), pod('a', 'p'));
      s.compact({ keepRevisions: 3, keepMs: 0 });
      expect(s.compactedRevision()).toBe(7);
      const err = thrown(() => s.changesSince(6));
      expect(isGone(err)).toBe(true);
      expect(err.reason).toBe('Expired');
      expect(s.changesSince(7).map((e) => e.revision)).toEqual([8, 9, 10]);
      expect(s.get(podKey('a', 'p'))?.metadata.resourceVersion).toBe('10');
      s.compact({ keepRevisions: 3, keepMs: 0 });
      expect(s.compactedRevision()).toBe(7);
      s.compact({ keepRevisions: 0, keepMs: 0 });
      expect(s.compactedRevision()).toBe(10);
      expect(s.changesSince(10)).toEqual([]);
      s.update(podKey('a', 'p'), pod('a', 'p'));
      expect(s.changesSince(10).map((e) => e.revision)).toEqual([11]);
    });

    it('compacts history by age: keeps changes younger than keepMs', () => {
      let now = 0;
      const s = makeStore({ clock: () => now });
      for (let i = 0; i < 10; i++) {
        now = i * 1000;
        s.create(podKey('a', `p${i}`), pod('a', `p${i}`));
      }
      now = 10_000;
      s.compact({ keepRevisions: 0, keepMs: 4_500 });
      expect(s.compactedRevision()).toBe(6);
      expect(s.changesSince(6).map((e) => e.revision)).toEqual([7, 8, 9, 10]);
      s.compact({ keepRevisions: 5, keepMs: 0 });
      expect(s.compactedRevision()).toBe(6);
      s.compact({ keepRevisions: 2, keepMs: 0 });
      expect(s.compactedRevision()).toBe(8);
    });

    it('reports objects per resource and revisions in stats', () => {
      const s = makeStore();
      for (let i = 0; i < 3; i++) s.create(podKey('a', `p${i}`), pod('a', `p${i}`));
      s.create(podKey('b', 'p0'), pod('b', 'p0'));
      s.create(deployKey('a', 'd'), deployment('a', 'd'));
      s.delete(podKey('a', 'p1'));
      s.update(podKey('a', 'p0'), pod('a', 'p0'));
      let stats = s.stats();
      expect(stats.objects).toEqual({ pods: 3, 'deployments.apps': 1 });
      expect(stats.revision).toBe(7);
      expect(stats.compactedRevision).toBe(0);
      s.delete(deployKey('a', 'd'));
      s.compact({ keepRevisions: 1, keepMs: 0 });
      stats = s.stats();
      expect(stats.objects).toEqual({ pods: 3, 'deployments.apps': 0 });
      expect(stats.compactedRevision).toBe(7);
      expect(stats.dbSizeBytes).toBeGreaterThanOrEqual(0);
      expect(stats.walSizeBytes).toBeGreaterThanOrEqual(0);
    });

    it('without group commit, is durable as soon as a write returns', async () => {
      const s = makeStore();
      s.create(podKey('a', 'p'), pod('a', 'p'));
      expect(s.durableRevision()).toBe(1);
      let resolved = false;
      void s.sync().then(() => (resolved = true));
      await Promise.resolve();
      expect(resolved).toBe(true);
    });
  });

  describe(`${name} storage contract with group commit`, () => {
    it('applies writes at once but tells listeners and history only after the commit, in order', async () => {
      const s = makeStore({ groupCommit: true });
      const heard: number[] = [];
      s.subscribe((e) => {
        expect(s.durableRevision()).toBeGreaterThanOrEqual(e.revision);
        heard.push(e.revision);
      });
      await s.sync(); // nothing pending: resolves at once
      for (let i = 0; i < 20; i++) s.create(podKey('a', `p${i}`), pod('a', `p${i}`));
      s.update(podKey('a', 'p0'), pod('a', 'p0', { status: { phase: 'Running' } }), { expectedRevision: 1 });
      expect(isConflict(thrown(() => s.update(podKey('a', 'p0'), pod('a', 'p0'), { expectedRevision: 1 })))).toBe(true);
      s.delete(podKey('a', 'p1'));
      expect(s.currentRevision()).toBe(22);
      expect(s.get(podKey('a', 'p0'))?.status).toEqual({ phase: 'Running' });
      expect(s.get(podKey('a', 'p1'))).toBeUndefined();
      expect(s.list('pods').items).toHaveLength(19);
      expect(s.durableRevision()).toBe(0);
      expect(s.changesSince(0)).toEqual([]);
      expect(heard).toEqual([]);
      const synced = s.sync();
      expect(s.sync()).toBe(synced);
      await synced;
      expect(heard).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
      expect(s.durableRevision()).toBe(22);
      expect(s.changesSince(20).map((e) => [e.revision, e.type])).toEqual([[21, 'MODIFIED'], [22, 'DELETED']]);
    });

    it('commits a write made by a listener in a later batch', async () => {
      const s = makeStore({ groupCommit: true });
      const heard: number[] = [];
      s.subscribe((e) => {
        heard.push(e.revision);
        if (e.revision === 1) s.create(deployKey('a', 'd'), deployment('a', 'd'));
      });
      s.create(podKey('a', 'p'), pod('a', 'p'));
      await s.sync();
      expect(heard).toEqual([1]);
      expect(s.durableRevision()).toBe(1);
      expect(s.currentRevision()).toBe(2);
      await s.sync();
      expect(heard).toEqual([1, 2]);
    });

    it('commits pending writes before compacting and on close', async () => {
      const s = makeStore({ groupCommit: true });
      for (let i = 0; i < 5; i++) s.create(podKey('a', `p${i}`), pod('a', `p${i}`));
      const synced = s.sync();
      s.compact({ keepRevisions: 2, keepMs: 0 });
      expect(s.durableRevision()).toBe(5);
      expect(s.compactedRevision()).toBe(3);
      await synced;
      s.create(podKey('a', 'q'), pod('a', 'q'));
      const closing = s.sync();
      s.close();
      await closing;
      expect(s.durableRevision()).toBe(6);
    });

    it('expires objects by their current expiry, pending writes included', async () => {
      let now = 0;
      const s = makeStore({ groupCommit: true, clock: () => now });
      const ev = (n: string): KubeObject => ({ apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'a', name: n } });
      s.create({ resource: 'events', namespace: 'a', name: 'e1' }, ev('e1'), { ttlSeconds: 10 });
      s.create({ resource: 'events', namespace: 'a', name: 'e2' }, ev('e2'), { ttlSeconds: 10 });
      await s.sync();
      s.update({ resource: 'events', namespace: 'a', name: 'e1' }, ev('e1'), { ttlSeconds: 100 });
      now = 20_000;
      expect(s.expire(now)).toBe(1);
      expect(s.get({ resource: 'events', namespace: 'a', name: 'e2' })).toBeUndefined();
      await s.sync();
      expect(s.changesSince(2).map((e) => [e.type, e.name])).toEqual([['MODIFIED', 'e1'], ['DELETED', 'e2']]);
      expect(s.expire(now)).toBe(0);
    });
  });
}
