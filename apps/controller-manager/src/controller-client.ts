import type { CronJob, DeleteOptions, Deployment, EndpointSlice, Endpoints, Job, Event as CoreEvent, KubeList, KubeObject, Lease, Namespace, Node, Pod, ReplicaSet, ResourceInfo, ResourceName, Service, ServiceAccount, Status } from '@skiff/api';
import type { DaemonSet, PodDisruptionBudget, StatefulSet } from '@skiff/api';
import type { ListOptions, NamespaceOption, PatchOptions, WriteOptions } from '@skiff/client';

/**
 * ResourceApi is the slice of @skiff/client's ResourceClient that controllers call. Declaring it here lets the
 * real Clientset and the RecordingClient of unit tests stand in for each other.
 */
export interface ResourceApi<T> {
  get(name: string, opts?: NamespaceOption): Promise<T>;
  list(opts?: ListOptions): Promise<KubeList<T>>;
  create(obj: T, opts?: WriteOptions): Promise<T>;
  update(obj: T, opts?: WriteOptions): Promise<T>;
  updateStatus(obj: T, opts?: WriteOptions): Promise<T>;
  patch(name: string, body: unknown, opts?: PatchOptions): Promise<T>;
  delete(name: string, opts?: NamespaceOption & DeleteOptions): Promise<T | Status>;
}

/** ControllerClient is every resource client the controller-manager writes through. */
export interface ControllerClient {
  pods: ResourceApi<Pod>;
  replicasets: ResourceApi<ReplicaSet>;
  deployments: ResourceApi<Deployment>;
  nodes: ResourceApi<Node>;
  namespaces: ResourceApi<Namespace> & { finalize(ns: Namespace): Promise<Namespace> };
  leases: ResourceApi<Lease>;
  serviceaccounts: ResourceApi<ServiceAccount>;
  events: ResourceApi<CoreEvent>;
  services: ResourceApi<Service>;
  endpoints: ResourceApi<Endpoints>;
  endpointslices: ResourceApi<EndpointSlice>;
  jobs: ResourceApi<Job>;
  cronjobs: ResourceApi<CronJob>;
  poddisruptionbudgets: ResourceApi<PodDisruptionBudget>;
  daemonsets: ResourceApi<DaemonSet>;
  statefulsets: ResourceApi<StatefulSet>;
  /** resource is the client of any served kind, for controllers generic over KINDS (garbage collector, namespace). */
  resource(info: ResourceInfo): ResourceApi<KubeObject>;
}

/** ResourceKind is a REST resource name (a plural of KINDS). */
export type ResourceKind = ResourceName;
