import { FakeListerWatcher, SharedInformerFactory } from '@skiff/controller-kit';
import { createInformers, type ControllerInformers } from '../informers.js';

/**
 * createFakeInformers builds the controller-manager's informers on fake lister-watchers and never runs them, for
 * unit tests: fill their caches with `informers.pods.indexer.add(pod)` (or `informers.resources.get('configmaps')`)
 * and call a controller's reconcile directly, as sample-controller's fixture does.
 */
export function createFakeInformers(): ControllerInformers {
  return createInformers(new SharedInformerFactory(), () => new FakeListerWatcher());
}
