import { describe, expect, it } from 'vitest';
import { FakeListerWatcher } from './cache/fake-lister-watcher.js';
import { SharedInformerFactory } from './cache/shared-informer-factory.js';
import { childAbortController } from './child-abort-controller.js';
import { FakeClock } from './clock.js';
import { runController } from './run-controller.js';
import { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('childAbortController', () => {
  it('aborts with its parent, with the same reason, and detaches without aborting', () => {
    const parent = new AbortController();
    const child = childAbortController(parent.signal);
    const detached = childAbortController(parent.signal);
    detached.detach();
    parent.abort(new Error('bye'));
    expect(child.signal.aborted).toBe(true);
    expect((child.signal.reason as Error).message).toBe('bye');
    expect(detached.signal.aborted).toBe(false);
    expect(childAbortController(parent.signal).signal.aborted).toBe(true);
  });

  it('keeps a signal shared by many controllers and informers far below Node’s listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const clock = new FakeClock(0);
      const shared = new AbortController();
      const factory = new SharedInformerFactory({ clock });
      const informers = Array.from({ length: 8 }, (_, i) =>
        factory.forResource(`r${i}`, new FakeListerWatcher([{ metadata: { name: 'x', namespace: 'default' } }])),
      );
      // Eight controllers each waiting on all eight informers, as the controller-manager's do at start.
      const runs = Array.from({ length: 8 }, (_, i) =>
        runController({ name: `c${i}`, queue: new RateLimitingQueue<string>({ clock }), reconciler: { reconcile: async () => ({}) }, signal: shared.signal, waitFor: informers, clock }),
      );
      factory.start(shared.signal);
      await clock.advanceAsync(1000);
      for (let i = 0; i < 5; i++) await tick();
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      shared.abort();
      await Promise.all(runs);
      await factory.stopped();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
