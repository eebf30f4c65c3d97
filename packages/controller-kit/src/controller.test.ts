import { describe, expect, it } from 'vitest';
import { FakeListerWatcher } from './cache/fake-lister-watcher.js';
import { SharedInformer } from './cache/shared-informer.js';
import { FakeClock } from './clock.js';
import { Controller, watch } from './controller.js';
import { TerminalError } from './reconcile.js';
import type { Reconciler } from './reconcile.js';

interface Obj {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(cond: () => boolean, clock: FakeClock): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await clock.advanceAsync(100);
  expect(cond()).toBe(true);
}

function setup(reconcile: Reconciler['reconcile'], sweepFailsFirst = false) {
  const clock = new FakeClock(0);
  const parents = new FakeListerWatcher<Obj>([{ metadata: { name: 'web', namespace: 'ns', uid: 'u1' } }]);
  const children = new FakeListerWatcher<Obj>([]);
  const sweep = new FakeListerWatcher<Obj>([]);
  if (sweepFailsFirst) sweep.failNextList(new Error('not yet'));
  const parentInf = new SharedInformer({ lw: parents, clock });
  const childInf = new SharedInformer({ lw: children, clock });
  const sweepInf = new SharedInformer({ lw: sweep, clock });
  const keys: string[] = [];
  const ctl = new Controller({
    name: 'test',
    clock,
    reconciler: {
      reconcile: async (key, signal) => {
        keys.push(key);
        return reconcile(key, signal);
      },
    },
    watches: [watch.primary(parentInf), watch.owns(childInf, 'Parent'), watch.cache(sweepInf)],
  });
  const ac = new AbortController();
  const runs = [parentInf.run(ac.signal), childInf.run(ac.signal), sweepInf.run(ac.signal)];
  return { clock, parents, children, sweep, ctl, keys, ac, runs };
}

describe('Controller', () => {
  it('reconciles the primary object and the controlling owner of a dependent once every watched cache synced', async () => {
    const t = setup(async () => ({}), true);
    const run = t.ctl.run(t.ac.signal);
    await tick();
    // The cache-only informer has not listed yet: nothing runs before it does.
    expect(t.keys).toEqual([]);
    await until(() => t.keys.includes('ns/web'), t.clock);
    t.children.add({
      metadata: { name: 'web-1', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'Parent', name: 'web', uid: 'u1', controller: true }] },
    });
    t.children.add({
      metadata: { name: 'other', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'Stranger', name: 'x', uid: 'u9', controller: true }] },
    });
    await until(() => t.keys.filter((k) => k === 'ns/web').length === 2, t.clock);
    expect(t.keys).not.toContain('ns/x');
    expect(t.keys).not.toContain('ns/other');
    t.ac.abort();
    await Promise.all([run, ...t.runs]);
  });

  it('forgets a key whose reconcile fails terminally, and retries any other failure', async () => {
    let fail: Error = new TerminalError('spec.selector is invalid');
    const t = setup(async () => {
      throw fail;
    });
    const run = t.ctl.run(t.ac.signal);
    await until(() => t.keys.length === 1, t.clock);
    await t.clock.advanceAsync(60_000);
    expect(t.keys).toEqual(['ns/web']);
    expect(t.ctl.queue.numRequeues('ns/web')).toBe(0);
    fail = new Error('transient');
    t.parents.modify({ metadata: { name: 'web', namespace: 'ns', uid: 'u1' } });
    await until(() => t.keys.length >= 3, t.clock);
    expect(t.ctl.queue.numRequeues('ns/web')).toBeGreaterThan(0);
    t.ac.abort();
    await Promise.all([run, ...t.runs]);
  });

  it('adds its initial keys on run', async () => {
    const clock = new FakeClock(0);
    const keys: string[] = [];
    const ctl = new Controller({
      name: 'sweep',
      clock,
      initialKeys: ['all'],
      watches: [],
      reconciler: { reconcile: async (k) => (keys.push(k), {}) },
    });
    const ac = new AbortController();
    const run = ctl.run(ac.signal);
    await until(() => keys.length === 1, clock);
    expect(keys).toEqual(['all']);
    ac.abort();
    await run;
  });
});
