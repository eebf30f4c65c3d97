import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { createLogger } from '../logger.js';
import { DeletedFinalStateUnknown } from './deleted-final-state-unknown.js';
import { FakeListerWatcher } from './fake-lister-watcher.js';
import { NODE_NAME_INDEX, nodeNameIndex } from './index-funcs.js';
import type { ResourceEventHandler } from './processor-listener.js';
import { SharedInformer, waitForCacheSync } from './shared-informer.js';
import { SharedInformerFactory } from './shared-informer-factory.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { nodeName?: string; replicas?: number };
}

const obj = (name: string, spec: Obj['spec'] = {}, namespace = 'default'): Obj => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name, namespace },
  spec,
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function recorder(): { events: string[]; handler: ResourceEventHandler<Obj> } {
  const events: string[] = [];
  return {
    events,
    handler: {
      onAdd: (o, initial) => events.push(`add ${o.metadata.name}${initial ? ' (initial)' : ''}`),
      onUpdate: (o, n) => events.push(`update ${o.metadata.name} ${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
      onDelete: (o) =>
        events.push(o instanceof DeletedFinalStateUnknown ? `delete ${o.key} (tombstone)` : `delete ${o.metadata.name}`),
    },
  };
}

function setup(initial: Obj[], opts: { resyncPeriodMs?: number } = {}) {
  const clock = new FakeClock(0);
  const lw = new FakeListerWatcher<Obj>(initial);
  const informer = new SharedInformer<Obj>({ lw, clock, name: 'things', ...opts });
  const ac = new AbortController();
  return { clock, lw, informer, ac };
}

describe('SharedInformer', () => {
  it('delivers the initial list, then watch events, to every handler in order after the store is updated', async () => {
    const { lw, informer, ac } = setup([obj('a'), obj('b')]);
    const r1 = recorder();
    const r2 = recorder();
    let storeSawC = false;
    informer.addEventHandler(r1.handler);
    informer.addEventHandler({
      ...r2.handler,
      onAdd: (o, initial) => {
        if (o.metadata.name === 'c') storeSawC = informer.lister().get('default/c') !== undefined;
        r2.handler.onAdd?.(o, initial);
      },
    });
    const run = informer.run(ac.signal);
    expect(await informer.whenSynced(ac.signal)).toBe(true);
    await informer.whenIdle();
    lw.add(obj('c'));
    lw.modify(obj('a', { replicas: 2 }));
    lw.delete('default/b');
    expect(r1.events).toEqual(['add a (initial)', 'add b (initial)']);
    await informer.whenIdle();
    const expected = ['add a (initial)', 'add b (initial)', 'add c', 'update a 1->4', 'delete b'];
    expect(r1.events).toEqual(expected);
    expect(r2.events).toEqual(expected);
    expect(storeSawC).toBe(true);
    ac.abort();
    await run;
  });

  it('computes adds, updates and tombstoned deletes when the client relists after a 410', async () => {
    const { lw, informer, ac } = setup([obj('keep'), obj('change'), obj('gone')]);
    const r = recorder();
    informer.addEventHandler(r.handler);
    const run = informer.run(ac.signal);
    await informer.whenSynced();
    await informer.whenIdle();
    r.events.length = 0;
    lw.silently(() => {
      lw.delete('default/gone');
      lw.modify(obj('change', { replicas: 3 }));
      lw.add(obj('new'));
    });
    lw.simulateGone();
    await informer.whenIdle();
    expect(r.events.sort()).toEqual(['add new', 'delete default/gone (tombstone)', 'update change 2->5'].sort());
    expect(informer.indexer.listKeys().sort()).toEqual(['default/change', 'default/keep', 'default/new']);
    ac.abort();
    await run;
  });

  it('skips updates whose resourceVersion did not change, but resyncs every object on the clock', async () => {
    const { clock, lw, informer, ac } = setup([obj('a')], { resyncPeriodMs: 30_000 });
    const r = recorder();
    informer.addEventHandler(r.handler);
    const run = informer.run(ac.signal);
    await informer.whenSynced();
    const same = lw.get('default/a') as Obj;
    lw.emitRaw({ type: 'MODIFIED', object: structuredClone(same) });
    await informer.whenIdle();
    expect(r.events).toEqual(['add a (initial)']);
    await clock.advanceAsync(30_000);
    await informer.whenIdle();
    expect(r.events).toEqual(['add a (initial)', 'update a 1->1']);
    await clock.advanceAsync(30_000);
    await informer.whenIdle();
    expect(r.events).toHaveLength(3);
    ac.abort();
    await run;
    expect(clock.pendingTimers()).toBe(0);
  });

  it('logs and skips a throwing handler without affecting the others', async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (s: string) => lines.push(s) } });
    const lw = new FakeListerWatcher<Obj>([obj('a')]);
    const informer = new SharedInformer<Obj>({ lw, clock: new FakeClock(0), logger });
    const r = recorder();
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('boom');
      },
    });
    informer.addEventHandler(r.handler);
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.whenSynced();
    lw.add(obj('b'));
    await informer.whenIdle();
    expect(r.events).toEqual(['add a (initial)', 'add b']);
    expect(lines.filter((l) => l.includes('event handler failed'))).toHaveLength(2);
    ac.abort();
    await run;
  });

  it('gives a late handler the current content first', async () => {
    const { lw, informer, ac } = setup([obj('a')]);
    const run = informer.run(ac.signal);
    await informer.whenSynced();
    lw.add(obj('b'));
    const r = recorder();
    const reg = informer.addEventHandler(r.handler);
    lw.add(obj('c'));
    await informer.whenIdle();
    expect(r.events).toEqual(['add a (initial)', 'add b (initial)', 'add c']);
    reg.remove();
    lw.add(obj('d'));
    await informer.whenIdle();
    expect(r.events).toHaveLength(3);
    ac.abort();
    await run;
  });

  it('lister reads by key, namespace and index', async () => {
    const lw = new FakeListerWatcher<Obj>([obj('a', { nodeName: 'n1' }), obj('b', {}, 'other')]);
    const informer = new SharedInformer<Obj>({ lw, clock: new FakeClock(0), indexers: { [NODE_NAME_INDEX]: nodeNameIndex } });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.whenSynced();
    const lister = informer.lister();
    expect(lister.get('other/b')?.metadata.name).toBe('b');
    expect(lister.list('default').map((o) => o.metadata.name)).toEqual(['a']);
    expect(lister.list()).toHaveLength(2);
    expect(lister.byIndex(NODE_NAME_INDEX, 'n1').map((o) => o.metadata.name)).toEqual(['a']);
    ac.abort();
    await run;
  });
});

describe('SharedInformerFactory', () => {
  it('shares one informer per resource and selector, starts them, and waits for sync', async () => {
    const factory = new SharedInformerFactory({ clock: new FakeClock(0) });
    const pods = new FakeListerWatcher<Obj>([obj('p')]);
    const nodes = new FakeListerWatcher<Obj>([obj('n', {}, '')]);
    const a = factory.forResource('pods', pods);
    const b = factory.forResource('pods', pods, { indexers: { [NODE_NAME_INDEX]: nodeNameIndex } });
    const scoped = factory.forResource('pods', pods, { fieldSelector: 'spec.nodeName=n1' });
    const n = factory.forResource('nodes', nodes);
    expect(b).toBe(a);
    expect(scoped).not.toBe(a);
    expect(a.indexer.hasIndex(NODE_NAME_INDEX)).toBe(true);
    const ac = new AbortController();
    factory.start(ac.signal);
    factory.start(ac.signal);
    expect(await factory.waitForCacheSync(ac.signal)).toBe(true);
    expect(a.hasSynced() && n.hasSynced() && scoped.hasSynced()).toBe(true);
    expect(pods.watchCalls).toHaveLength(2);
    expect(pods.watchCalls[1]).toMatchObject({ fieldSelector: 'spec.nodeName=n1' });
    ac.abort();
    await factory.stopped();
  });

  it('waitForCacheSync answers false when aborted before sync', async () => {
    const factory = new SharedInformerFactory({ clock: new FakeClock(0) });
    const lw = new FakeListerWatcher<Obj>();
    lw.failNextList(new Error('down'));
    factory.forResource('pods', lw);
    const ac = new AbortController();
    factory.start(ac.signal);
    const waiting = factory.waitForCacheSync(ac.signal);
    await tick();
    ac.abort();
    expect(await waiting).toBe(false);
    await factory.stopped();
  });
});

describe('waitForCacheSync', () => {
  it('waits on a dozen caches (one per kind) without Node warning of an abort-listener leak', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const informers = Array.from({ length: 12 }, (_, i) => new SharedInformer({ name: `kind-${i}`, lw: new FakeListerWatcher() }));
      const ac = new AbortController();
      const waiting = waitForCacheSync(ac.signal, ...informers);
      ac.abort();
      expect(await waiting).toBe(false);
      // Node emits the warning on a later tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('SharedInformerFactory', () => {
  it('runs a dozen informers (one per kind) on one signal without Node warning of an abort-listener leak', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const factory = new SharedInformerFactory();
      const informers = Array.from({ length: 12 }, (_, i) => factory.forResource(`kind-${i}`, new FakeListerWatcher()));
      const ac = new AbortController();
      factory.start(ac.signal);
      expect(await waitForCacheSync(ac.signal, ...informers)).toBe(true);
      // Every reflector is watching once its list is in; Node emits the warning on a later tick.
      await new Promise((r) => setImmediate(r));
      ac.abort();
      await factory.stopped();
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
