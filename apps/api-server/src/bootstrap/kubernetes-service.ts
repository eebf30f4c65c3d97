/**
 * @module ensureKubernetesService: the `kubernetes` Service in `default`, the api-server's in-cluster address
 * (kube-apiserver's master endpoint reconciler). Its ClusterIP is the first address of the service range, and its
 * Endpoints and EndpointSlice name this api-server, so pods reach it at KUBERNETES_SERVICE_HOST:PORT.
 */
import { ipAtOffset, isInvalid, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, RESOURCES, type EndpointSlice, type Endpoints, type KubeObject, type Service, type ServiceIPRange } from '@skiff/api';
import { deepEqual } from '../registry/deep-equal.js';
import type { Registry } from '../registry/registry.js';

export interface KubernetesServiceOptions {
  /** The range ClusterIPs come from; the Service takes its first address. */
  range: ServiceIPRange;
  /** Where pods reach this api-server (kube-apiserver's --advertise-address and port); absent: no Endpoints. */
  endpoint?: { ip: string; port: number };
}

const NAME = 'kubernetes';
const NAMESPACE = 'default';
/** Kubernetes serves the api-server's Service on 443 named https, whatever port the server listens on. */
const SERVICE_PORT = 443;
const LABELS = { component: 'apiserver', provider: 'kubernetes' };

/**
 * ensureKubernetesService creates the Service when it is missing and rewrites its Endpoints and EndpointSlice when
 * they name another address or port (an api-server restarted elsewhere). Idempotent.
 */
export function ensureKubernetesService(registry: Registry, opts: KubernetesServiceOptions): void {
  if (!registry.store.get(registry.key(RESOURCES.services, NAMESPACE, NAME))) {
    const ip = ipAtOffset(opts.range, 1);
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
      spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], sessionAffinity: 'None', ports: [{ name: 'https', port: SERVICE_PORT, protocol: 'TCP', targetPort: opts.endpoint?.port ?? SERVICE_PORT }] },
    };
    try {
      registry.create(RESOURCES.services, NAMESPACE, svc);
    } catch (err) {
      // A store from before Services were served may have given the first address away: take any other.
      if (!isInvalid(err)) throw err;
      delete svc.spec!.clusterIP;
      delete svc.spec!.clusterIPs;
      registry.create(RESOURCES.services, NAMESPACE, svc);
    }
  }
  if (!opts.endpoint) return;
  const { ip: endpointIP, port: endpointPort } = opts.endpoint;
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: endpointIP }], ports: [{ name: 'https', port: endpointPort, protocol: 'TCP' }] }],
  };
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { [LABEL_SERVICE_NAME]: NAME, [LABEL_MANAGED_BY]: 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [endpointIP], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'https', port: endpointPort, protocol: 'TCP' }],
  };
  put(registry, RESOURCES.endpoints, endpoints, (cur) => deepEqual((cur as Endpoints).subsets, endpoints.subsets));
  put(registry, RESOURCES.endpointslices, slice, (cur) => deepEqual((cur as EndpointSlice).endpoints, slice.endpoints) && deepEqual((cur as EndpointSlice).ports, slice.ports));
}

function put(registry: Registry, info: (typeof RESOURCES)['endpoints'] | (typeof RESOURCES)['endpointslices'], obj: KubeObject, same: (cur: KubeObject) => boolean): void {
  const cur = registry.store.get(registry.key(info, NAMESPACE, NAME));
  if (!cur) registry.create(info, NAMESPACE, obj);
  else if (!same(cur)) registry.update(info, NAMESPACE, NAME, { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
}
