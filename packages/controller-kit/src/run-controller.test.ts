import { errors } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { FakeListerWatcher } from './cache/fake-lister-watcher.js';
import { SharedInformer } from './cache/shared-informer.js';
import { handlerFor } from './handler-for.js';
import { createLogger } from './logger.js';
import { TerminalError } from './reconcile.js';
import type { ReconcileResult, Reconciler } from './reconcile.js';
import { runController } from './run-controller.js';
import { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function scripted(script: (key: string, attempt: number) => Promise<ReconcileResult>): Reconciler & { calls: Array<[string, number]> } {
  const attempts = new Map<string, number>();
  const calls: Array<[string, number]> = [];
  return {
    calls,
    async reconcile(key) {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      calls.push([key, n]);
      return script(key, n);
    },
  };
}

describe('runController', () => {
  it('retries a failing key with per-key exponential backoff, then forgets it on success', async () => {
    const clock = new FakeClock(0);
    const queue = new RateLimitingQueue<string>({ clock });
    const times: number[] = [];
    const reconciler = scripted(async (_key, n) => {
      times.push(clock.now());
      if (n <= 3) throw new Error('transient');
      return {};
    });
    const ac = new AbortController();
    const run = runController({ name: 'test', queue, reconciler, signal: ac.signal, clock });
    queue.add('default/a');
    await clock.advanceAsync(100);
    expect(times).toEqual([0, 5, 15, 35]);
    expect(queue.numRequeues('default/a')).toBe(0);
    ac.abort();
    await run;
  });

  it('forgets a TerminalError without retrying', async () => {
    const clock = new FakeClock(0);
    const queue = new RateLimitingQueue<string>({ clock });
    const reconciler = scripted(async () => {
      throw new TerminalError('spec is invalid');
    });
    const ac = new AbortController();
    const run = runController({ name: 'test', queue, reconciler, signal: ac.signal, clock });
    queue.add('k');
    await clock.advanceAsync(10_000);
    expect(reconciler.calls).toEqual([['k', 1]]);
    expect(queue.numRequeues('k')).toBe(0);
    ac.abort();
    await run;
  });

  it('requeues after requeueAfterMs', async () => {
    const clock = new FakeClock(0);
    const queue = new RateLimitingQueue<string>({ clock });
    const times: number[] = [];
    const reconciler = scripted(async () => {
      times.push(clock.now());
      return { requeueAfterMs: 30_000 };
    });
    const ac = new AbortController();
    const run = runController({ name: 'test', queue, reconciler, signal: ac.signal, clock });
    queue.add('k');
    await clock.advanceAsync(60_000);
    expect(times).toEqual([0, 30_000, 60_000]);
    ac.abort();
    await run;
  });

  it('runs workers concurrently but never one key on two workers', async () => {
    const queue = new RateLimitingQueue<string>({ clock: new FakeClock(0) });
    const active = new Set<string>();
    let maxActive = 0;
    let overlap = false;
    const gates: Array<() => void> = [];
    const reconciler: Reconciler = {
      async reconcile(key) {
        if (active.has(key)) overlap = true;
        active.add(key);
        maxActive = Math.max(maxActive, active.size);
        await new Promise<void>((r) => gates.push(r));
        active.delete(key);
        return {};
      },
    };
    const ac = new AbortController();
    const run = runController({ name: 'test', queue, reconciler, signal: ac.signal, workers: 3 });
    queue.add('a');
    queue.add('b');
    queue.add('c');
    await tick();
    queue.add('a');
    await tick();
    expect(maxActive).toBe(3);
    while (queue.len() > 0 || gates.length > 0) {
      gates.shift()?.();
      await tick();
    }
    expect(overlap).toBe(false);
    ac.abort();
    await run;
  });

  it('waits for informers to sync, and on abort shuts the queue down and awaits in-flight work', async () => {
    const lw = new FakeListerWatcher<{ metadata: { name: string; namespace: string } }>([
      { metadata: { name: 'a', namespace: 'default' } },
    ]);
    lw.failNextList(new Error('not yet'));
    const clock = new FakeClock(0);
    const informer = new SharedInformer({ lw, clock });
    const queue = new RateLimitingQueue<string>({ clock });
    informer.addEventHandler(handlerFor(queue));
    let seenCacheSize = -1;
    let release!: () => void;
    let finished = false;
    const reconciler: Reconciler = {
      async reconcile() {
        seenCacheSize = informer.indexer.size;
        await new Promise<void>((r) => (release = r));
        finished = true;
        return {};
      },
    };
    const ac = new AbortController();
    const informerRun = informer.run(ac.signal);
    const run = runController({ name: 'test', queue, reconciler, signal: ac.signal, waitFor: [informer], clock });
    queue.add('early');
    await tick();
    expect(seenCacheSize).toBe(-1);
    await clock.advanceAsync(800);
    await informer.whenIdle();
    await tick();
    expect(seenCacheSize).toBe(1);
    let stopped = false;
    const stopping = run.then(() => (stopped = true));
    ac.abort();
    await tick();
    expect(queue.shuttingDown).toBe(true);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    await informerRun;
  });

  it('logs a 409 Conflict once at debug without a stack, and requeues the key', async () => {
    const clock = new FakeClock(0);
    const queue = new RateLimitingQueue<string>({ clock });
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
    const reconciler = scripted(async (_key, n) => {
      if (n === 1) throw errors.conflict('replicasets', 'apps', 'web-1');
      return {};
    });
    const ac = new AbortController();
    const run = runController({ name: 'test', queue, reconciler, signal: ac.signal, clock, logger });
    queue.add('default/web-1');
    await clock.advanceAsync(100);
    expect(reconciler.calls).toEqual([['default/web-1', 1], ['default/web-1', 2]]);
    const about = lines.filter((l) => l.key === 'default/web-1' && l.msg !== 'reconciled');
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ level: 20, reason: 'Conflict', msg: 'reconcile conflict; requeued' });
    expect(JSON.stringify(about[0])).not.toContain('stack');
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    ac.abort();
    await run;
  });
});
