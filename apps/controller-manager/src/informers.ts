import { RESOURCE_LIST, RESOURCES } from '@skiff/api';
import type { DaemonSet, HorizontalPodAutoscaler, PodDisruptionBudget, StatefulSet } from '@skiff/api';
import type { CronJob, Deployment, EndpointSlice, Endpoints, Job, KubeObject, Lease, Namespace, Node, Pod, ReplicaSet, ResourceInfo, Service, ServiceAccount } from '@skiff/api';
import {
  NODE_NAME_INDEX,
  OWNER_UID_INDEX,
  nodeNameIndex,
  ownerUidIndex,
} from '@skiff/controller-kit';
import type { HasMetadata, IndexFunc, Indexers, ListerWatcher, SharedInformer, SharedInformerFactory } from '@skiff/controller-kit';

/** UID_INDEX indexes objects by their own uid, how the garbage collector finds an owner from a reference. */
export const UID_INDEX = 'uid';

/** uidIndex is the index function of UID_INDEX. */
export const uidIndex: IndexFunc<HasMetadata> = (obj) => (obj.metadata.uid ? [obj.metadata.uid] : []);

/** NODE_LEASE_NAMESPACE is where node agents keep their heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * ResourceInformers holds one cluster-wide informer per kind of KINDS, keyed by plural, indexed by uid and owner
 * uid: what the controllers generic over every kind read (kube's metadata informers over discovery).
 */
export type ResourceInformers = ReadonlyMap<string, SharedInformer<KubeObject>>;

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
  poddisruptionbudgets: SharedInformer<PodDisruptionBudget>;
  daemonsets: SharedInformer<DaemonSet>;
  statefulsets: SharedInformer<StatefulSet>;
  horizontalpodautoscalers: SharedInformer<HorizontalPodAutoscaler>;
  /** resources has every kind in KINDS; the typed informers above are the same caches. */
  resources: ResourceInformers;
}

/** InformerSource makes the lister-watcher of any served resource (the Clientset's `resource(info)`). */
export type InformerSource = (info: ResourceInfo) => ListerWatcher<KubeObject>;

/**
 * createInformers asks the factory for one informer per kind of KINDS with the indexes the controllers rely on
 * (everything by uid and owner uid, pods also by node), and hands the typed controllers their kinds from the same
 * caches. Leases too are one cluster-wide informer, as kube-controller-manager's typed factory shares one between the
 * garbage collector and the node lifecycle controller (which reads kube-node-lease from it): a second,
 * namespace-scoped informer would open a second watch on every node heartbeat.
 */
export function createInformers(factory: SharedInformerFactory, source: InformerSource): ControllerInformers {
  const common: Indexers<HasMetadata> = { [UID_INDEX]: uidIndex, [OWNER_UID_INDEX]: ownerUidIndex };
  const resources = new Map(RESOURCE_LIST.map((info) => [info.plural, factory.forResource(info.plural, source(info), { indexers: common })]));
  const typed = <T extends HasMetadata>(info: ResourceInfo, opts: { namespace?: string; indexers?: Indexers<T> } = {}): SharedInformer<T> =>
    factory.forResource(info.plural, source(info) as unknown as ListerWatcher<T>, { indexers: common, ...opts });
  return {
    pods: typed<Pod>(RESOURCES.pods, { indexers: { ...common, [NODE_NAME_INDEX]: nodeNameIndex } as Indexers<Pod> }),
    replicasets: typed<ReplicaSet>(RESOURCES.replicasets),
    deployments: typed<Deployment>(RESOURCES.deployments),
    nodes: typed<Node>(RESOURCES.nodes),
    namespaces: typed<Namespace>(RESOURCES.namespaces),
    leases: typed<Lease>(RESOURCES.leases),
    serviceaccounts: typed<ServiceAccount>(RESOURCES.serviceaccounts),
    services: typed<Service>(RESOURCES.services),
    endpoints: typed<Endpoints>(RESOURCES.endpoints),
    endpointslices: typed<EndpointSlice>(RESOURCES.endpointslices),
    jobs: typed<Job>(RESOURCES.jobs),
    cronjobs: typed<CronJob>(RESOURCES.cronjobs),
    poddisruptionbudgets: typed<PodDisruptionBudget>(RESOURCES.poddisruptionbudgets),
    daemonsets: typed<DaemonSet>(RESOURCES.daemonsets),
    statefulsets: typed<StatefulSet>(RESOURCES.statefulsets),
    horizontalpodautoscalers: typed<HorizontalPodAutoscaler>(RESOURCES.horizontalpodautoscalers),
    resources,
  };
}
