import { ApiError } from '@skiff/api';
import type { WatchEvent } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeListerWatcher } from './fake-lister-watcher.js';
import { Indexer } from './indexer.js';
import { Reflector } from './reflector.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: string;
}

const obj = (name: string, data = ''): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(initial: Obj[] = []) {
  const clock = new FakeClock(0);
  const lw = new FakeListerWatcher<Obj>(initial);
  const store = new Indexer<Obj>();
  const reflector = new Reflector<Obj>({ lw, store, clock, name: 'configmaps' });
  const ac = new AbortController();
  const done = reflector.run(ac.signal);
  return { clock, lw, store, reflector, ac, done };
}

describe('Reflector', () => {
  it('lists, then watches from the list revision with bookmarks, applying events to the store', async () => {
    const { lw, store, reflector, ac, done } = setup([obj('a'), obj('b')]);
    await tick();
    expect(reflector.hasSynced()).toBe(true);
    expect(store.listKeys().sort()).toEqual(['default/a', 'default/b']);
    expect(lw.listCalls[0]).toMatchObject({ resourceVersion: '0' });
    expect(lw.watchCalls[0]).toMatchObject({ resourceVersion: '2', allowWatchBookmarks: true });

    lw.add(obj('c'));
    lw.modify(obj('a', 'changed'));
    lw.delete('default/b');
    expect(store.listKeys().sort()).toEqual(['default/a', 'default/c']);
    expect(store.get('default/a')?.data).toBe('changed');
    lw.bookmark();
    expect(reflector.lastSyncResourceVersion).toBe(lw.resourceVersion);

    ac.abort();
    await done;
    expect(lw.watcherCount()).toBe(0);
  });

  it('replaces the store when the client relists after a 410', async () => {
    const { lw, store, ac, done } = setup([obj('a'), obj('b')]);
    await tick();
    lw.silently(() => {
      lw.delete('default/a');
      lw.add(obj('z'));
    });
    expect(store.listKeys().sort()).toEqual(['default/a', 'default/b']);
    lw.simulateGone();
    expect(store.listKeys().sort()).toEqual(['default/b', 'default/z']);
    expect(lw.listCalls).toHaveLength(1);
    ac.abort();
    await done;
  });

  it('relists after an exponential backoff on the clock when a watch ends for good', async () => {
    const { clock, lw, store, ac, done } = setup([obj('a')]);
    await tick();
    lw.silently(() => lw.add(obj('missed')));
    lw.endWatches(new Error('connection refused'));
    await tick();
    expect(lw.listCalls).toHaveLength(1);
    await clock.advanceAsync(799);
    expect(lw.listCalls).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(lw.listCalls).toHaveLength(2);
    expect(lw.listCalls[1]?.resourceVersion).toBeUndefined();
    expect(store.get('default/missed')).toBeDefined();

    lw.endWatches();
    lw.failNextList(new Error('api down'));
    await clock.advanceAsync(1600);
    expect(lw.listCalls).toHaveLength(3);
    await clock.advanceAsync(3199);
    expect(lw.listCalls).toHaveLength(3);
    await clock.advanceAsync(1);
    expect(lw.listCalls).toHaveLength(4);
    expect(lw.watcherCount()).toBe(1);
    ac.abort();
    await done;
    expect(clock.pendingTimers()).toBe(0);
  });

  it('relists at once on a 410 ERROR event the client passed through', async () => {
    const { lw, ac, done } = setup([obj('a')]);
    await tick();
    const status = new ApiError({ reason: 'Expired', message: 'too old resource version', code: 410 }).toStatus();
    lw.emitRaw({ type: 'ERROR', object: status } as unknown as WatchEvent<Obj>);
    await tick();
    expect(lw.listCalls).toHaveLength(2);
    ac.abort();
    await done;
  });

  it('does not report synced until a list succeeds', async () => {
    const clock = new FakeClock(0);
    const lw = new FakeListerWatcher<Obj>([obj('a')]);
    lw.failNextList(new Error('nope'));
    const reflector = new Reflector<Obj>({ lw, store: new Indexer<Obj>(), clock });
    const ac = new AbortController();
    const done = reflector.run(ac.signal);
    await tick();
    expect(reflector.hasSynced()).toBe(false);
    await clock.advanceAsync(800);
    expect(reflector.hasSynced()).toBe(true);
    ac.abort();
    await done;
  });
});
