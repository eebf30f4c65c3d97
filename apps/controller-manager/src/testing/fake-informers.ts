import type { KubeObject } from '@skiff/api';
import { FakeListerWatcher, SharedInformerFactory, type RateLimitingQueue } from '@skiff/controller-kit';
import { waitFor } from '@skiff/testing';
import { createInformers, type ControllerInformers } from '../informers.js';

/**
 * createFakeInformers builds the controller-manager's informers on fake lister-watchers and never runs them, for
 * unit tests: fill their caches with `informers.pods.indexer.add(pod)` (or `informers.resources.get('configmaps')`)
 * and call a controller's reconcile directly, as sample-controller's fixture does.
 */
export function createFakeInformers(): ControllerInformers {
  return createInformers(new SharedInformerFactory(), () => new FakeListerWatcher());
}

/** FakeCluster is the controller-manager's informers running over one fake lister-watcher per resource. */
export interface FakeCluster {
  informers: ControllerInformers;
  /** source is the lister-watcher of a resource (by plural): add, modify and delete through it to send watch events. */
  source(plural: string): FakeListerWatcher<KubeObject>;
  /** start runs the informers until the signal aborts and resolves once their caches synced. */
  start(signal: AbortSignal): Promise<void>;
}

/** createFakeCluster is for tests of event handlers: build controllers on `informers`, then `start`. */
export function createFakeCluster(): FakeCluster {
  const sources = new Map<string, FakeListerWatcher<KubeObject>>();
  const source = (plural: string): FakeListerWatcher<KubeObject> => {
    let lw = sources.get(plural);
    if (!lw) sources.set(plural, (lw = new FakeListerWatcher<KubeObject>()));
    return lw;
  };
  const factory = new SharedInformerFactory();
  const informers = createInformers(factory, (info) => source(info.plural));
  return {
    informers,
    source,
    async start(signal) {
      factory.start(signal);
      await factory.waitForCacheSync(signal);
      // The watches open after the first lists: wait for them, or events sent now would be missed.
      await waitFor(() => [...sources.values()].every((lw) => lw.watcherCount() > 0), { what: 'every informer watching' });
    },
  };
}

/** takeKeys waits until a controller's queue holds at least `count` keys, then takes (and marks done) all it holds. */
export async function takeKeys(queue: RateLimitingQueue<string>, count: number): Promise<string[]> {
  await waitFor(() => queue.len() >= count, { what: `${count} queued keys` });
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = (await queue.get())!;
    queue.done(key);
    keys.push(key);
  }
  return keys;
}
