import { FakeListerWatcher, NODE_NAME_INDEX, OWNER_UID_INDEX, SharedInformer, nodeNameIndex, ownerUidIndex } from '@skiff/controller-kit';
import type { CronJob, Deployment, EndpointSlice, Endpoints, Job, Lease, Namespace, Node, Pod, ReplicaSet, Service, ServiceAccount } from '@skiff/api';
import type { HasMetadata, Indexers } from '@skiff/controller-kit';
import { UID_INDEX, uidIndex, type ControllerInformers } from '../informers.js';

/**
 * createFakeInformers builds informers that are never run, for unit tests: fill their caches with
 * `informers.pods.indexer.add(pod)` and call a controller's reconcile directly, as sample-controller's fixture does.
 */
export function createFakeInformers(): ControllerInformers {
  const make = <T extends HasMetadata>(name: string, extra: Indexers<T> = {}): SharedInformer<T> =>
    new SharedInformer<T>({
      name,
      lw: new FakeListerWatcher<T>(),
      indexers: { [UID_INDEX]: uidIndex, [OWNER_UID_INDEX]: ownerUidIndex, ...extra },
    });
  return {
    pods: make<Pod>('pods', { [NODE_NAME_INDEX]: nodeNameIndex }),
    replicasets: make<ReplicaSet>('replicasets'),
    deployments: make<Deployment>('deployments'),
    nodes: make<Node>('nodes'),
    namespaces: make<Namespace>('namespaces'),
    leases: make<Lease>('leases'),
    services: make<Service>('services'),
    endpoints: make<Endpoints>('endpoints'),
    endpointslices: make<EndpointSlice>('endpointslices'),
    serviceaccounts: make<ServiceAccount>('serviceaccounts'),
    jobs: make<Job>('jobs'),
    cronjobs: make<CronJob>('cronjobs'),
  };
}
