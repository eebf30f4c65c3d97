import type { CronJob, Deployment, EndpointSlice, Endpoints, Job, Lease, Namespace, Node, Pod, ReplicaSet, Service, ServiceAccount } from '@skiff/api';
import {
  NODE_NAME_INDEX,
  OWNER_UID_INDEX,
  nodeNameIndex,
  ownerUidIndex,
} from '@skiff/controller-kit';
import type { HasMetadata, IndexFunc, ListerWatcher, SharedInformer, SharedInformerFactory } from '@skiff/controller-kit';

/** UID_INDEX indexes objects by their own uid, how the garbage collector finds an owner from a reference. */
export const UID_INDEX = 'uid';

/** uidIndex is the index function of UID_INDEX. */
export const uidIndex: IndexFunc<HasMetadata> = (obj) => (obj.metadata.uid ? [obj.metadata.uid] : []);

/** NODE_LEASE_NAMESPACE is where node agents keep their heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** ControllerInformers are the shared informers every controller of the process reads from. */
export interface ControllerInformers {
  pods: SharedInformer<Pod>;
  replicasets: SharedInformer<ReplicaSet>;
  deployments: SharedInformer<Deployment>;
  nodes: SharedInformer<Node>;
  namespaces: SharedInformer<Namespace>;
  leases: SharedInformer<Lease>;
  services: SharedInformer<Service>;
  endpoints: SharedInformer<Endpoints>;
  endpointslices: SharedInformer<EndpointSlice>;
  serviceaccounts: SharedInformer<ServiceAccount>;
  jobs: SharedInformer<Job>;
  cronjobs: SharedInformer<CronJob>;
}

/** InformerSources are the lister-watchers informers are built on (the Clientset's resource clients). */
export interface InformerSources {
  pods: ListerWatcher<Pod>;
  replicasets: ListerWatcher<ReplicaSet>;
  deployments: ListerWatcher<Deployment>;
  nodes: ListerWatcher<Node>;
  namespaces: ListerWatcher<Namespace>;
  leases: ListerWatcher<Lease>;
  services: ListerWatcher<Service>;
  endpoints: ListerWatcher<Endpoints>;
  endpointslices: ListerWatcher<EndpointSlice>;
  serviceaccounts: ListerWatcher<ServiceAccount>;
  jobs: ListerWatcher<Job>;
  cronjobs: ListerWatcher<CronJob>;
}

/**
 * createInformers asks the factory for one informer per resource with the indexes the controllers rely on: pods by
 * node and owner uid, everything by uid. Leases are watched in kube-node-lease only (node heartbeats).
 */
export function createInformers(factory: SharedInformerFactory, src: InformerSources): ControllerInformers {
  const common = { [UID_INDEX]: uidIndex, [OWNER_UID_INDEX]: ownerUidIndex };
  return {
    pods: factory.forResource('pods', src.pods, { indexers: { ...common, [NODE_NAME_INDEX]: nodeNameIndex } }),
    replicasets: factory.forResource('replicasets', src.replicasets, { indexers: common }),
    deployments: factory.forResource('deployments', src.deployments, { indexers: common }),
    nodes: factory.forResource('nodes', src.nodes, { indexers: common }),
    namespaces: factory.forResource('namespaces', src.namespaces, { indexers: common }),
    leases: factory.forResource('leases', src.leases, { namespace: NODE_LEASE_NAMESPACE, indexers: common }),
    services: factory.forResource('services', src.services, { indexers: common }),
    endpoints: factory.forResource('endpoints', src.endpoints, { indexers: common }),
    endpointslices: factory.forResource('endpointslices', src.endpointslices, { indexers: common }),
    serviceaccounts: factory.forResource('serviceaccounts', src.serviceaccounts, { indexers: common }),
    jobs: factory.forResource('jobs', src.jobs, { indexers: common }),
    cronjobs: factory.forResource('cronjobs', src.cronjobs, { indexers: common }),
  };
}
