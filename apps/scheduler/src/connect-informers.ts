/**
 * @module connectInformers: feed pod and node informers into a Scheduler.
 */
import type { Node, Pod } from '@skiff/api';
import { unwrapTombstone, type HandlerRegistration, type ListerWatcher, type SharedInformer, type SharedInformerFactory } from '@skiff/controller-kit';
import type { Scheduler } from './scheduler.js';

/** SchedulerInformers are the two informers the scheduler needs. */
export interface SchedulerInformers {
  pods: SharedInformer<Pod>;
  nodes: SharedInformer<Node>;
}

/**
 * schedulerInformers asks the factory for an informer over all pods (bound ones fill the cache, unbound ones the
 * queue, as kube-scheduler does) and one over nodes. Informers can run before leadership so a new leader starts
 * with a warm cache.
 */
export function schedulerInformers(factory: SharedInformerFactory, lw: { pods: ListerWatcher<Pod>; nodes: ListerWatcher<Node> }): SchedulerInformers {
  return { pods: factory.forResource<Pod>('pods', lw.pods), nodes: factory.forResource<Node>('nodes', lw.nodes) };
}

/** connectInformers registers the scheduler's handlers; remove the registrations when leadership ends. */
export function connectInformers(informers: SchedulerInformers, scheduler: Scheduler): HandlerRegistration[] {
  return [
    informers.nodes.addEventHandler({
      onAdd: (n) => scheduler.onNodeAdd(n),
      onUpdate: (o, n) => scheduler.onNodeUpdate(o, n),
      onDelete: (n) => {
        const node = unwrapTombstone(n);
        if (node) scheduler.onNodeDelete(node);
      },
    }),
    informers.pods.addEventHandler({
      onAdd: (p) => scheduler.onPodAdd(p),
      onUpdate: (o, n) => scheduler.onPodUpdate(o, n),
      onDelete: (p) => {
        const pod = unwrapTombstone(p);
        if (pod) scheduler.onPodDelete(pod);
      },
    }),
  ];
}
