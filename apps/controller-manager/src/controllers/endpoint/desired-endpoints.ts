/**
 * @module desired endpoints: what the Endpoints object and the EndpointSlices of one Service should say, given the
 * pods it selects (kube's pkg/controller/endpoint and endpointslice reconcilers, without the 100-per-slice split).
 */
import { createHash } from 'node:crypto';
import {
  isPodTerminal,
  newControllerRef,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  type Endpoint,
  type EndpointAddress,
  type EndpointPort,
  type EndpointSlice,
  type Endpoints,
  type Pod,
  type Service,
  type ServicePort,
} from '@skiff/api';
import { isPodReady } from '../../util/pod-state.js';

/** The managed-by value kube's EndpointSlice controller writes; slices with another value are left alone. */
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

/**
 * findPort resolves a Service port's targetPort on one pod: a number is itself (absent means `port`), a name is
 * the pod's container port of that name and protocol; undefined when the pod has none (the pod is then left out
 * for that port, as kube's podutil.FindPort makes it).
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  for (const c of pod.spec.containers) {
    const p = c.ports?.find((cp) => cp.name === target && (cp.protocol ?? 'TCP') === protocol);
    if (p) return p.containerPort;
  }
  return undefined;
}

/** A pod's place among a Service's endpoints: its resolved ports and conditions. */
interface PodEndpoint {
  pod: Pod;
  ports: EndpointPort[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/**
 * podEndpoints lists the selected pods that can be endpoints (an IP, not finished) with their resolved ports;
 * `publishNotReadyAddresses` counts every one as ready, as DNS for StatefulSets needs.
 */
function podEndpoints(svc: Service, pods: readonly Pod[]): PodEndpoint[] {
  const out: PodEndpoint[] = [];
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    if (!pod.status?.podIP || isPodTerminal(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const terminating = !!pod.metadata.deletionTimestamp;
    const podReady = isPodReady(pod);
    out.push({ pod, ports, terminating, ready: publishNotReady || (podReady && !terminating), serving: publishNotReady || podReady });
  }
  return out.sort((a, b) => compareIPs(a.pod.status!.podIP!, b.pod.status!.podIP!));
}

function compareIPs(a: string, b: string): number {
  const na = a.split('.').map(Number);
  const nb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return (na[i] ?? 0) - (nb[i] ?? 0);
  return 0;
}

function targetRef(pod: Pod) {
  return { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
}

/** hostnameFor: a pod whose subdomain is the Service gets a DNS name under it (`<hostname>.<svc>.<ns>.svc`). */
function hostnameFor(svc: Service, pod: Pod): string | undefined {
  return pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? pod.spec.hostname : undefined;
}

function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify([...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port));
}

/**
 * desiredEndpoints is the v1 Endpoints of a Service: ready pods in `addresses`, unready ones in
 * `notReadyAddresses`, grouped into one subset per distinct set of resolved ports. Terminating pods are left out
 * (the EndpointSlice carries them, marked terminating), unless the Service publishes not-ready addresses.
 */
export function desiredEndpoints(svc: Service, pods: readonly Pod[]): Endpoints {
  const subsets = new Map<string, { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[]; ports: EndpointPort[] }>();
  for (const e of podEndpoints(svc, pods)) {
    if (e.terminating && !svc.spec?.publishNotReadyAddresses) continue;
    if (e.ports.length === 0 && (svc.spec?.ports?.length ?? 0) > 0) continue;
    const key = portsKey(e.ports);
    const subset = subsets.get(key) ?? subsets.set(key, { addresses: [], notReadyAddresses: [], ports: e.ports }).get(key)!;
    const hostname = hostnameFor(svc, e.pod);
    const address: EndpointAddress = { ip: e.pod.status!.podIP!, ...(hostname ? { hostname } : {}), ...(e.pod.spec.nodeName ? { nodeName: e.pod.spec.nodeName } : {}), targetRef: targetRef(e.pod) };
    (e.ready ? subset.addresses : subset.notReadyAddresses).push(address);
  }
  const out: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata.name ?? '', namespace: svc.metadata.namespace ?? '', ...(svc.metadata.labels ? { labels: { ...svc.metadata.labels } } : {}) },
  };
  const list = [...subsets.values()].map((s) => ({
    ...(s.addresses.length ? { addresses: s.addresses } : {}),
    ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses } : {}),
    ...(s.ports.length ? { ports: s.ports } : {}),
  }));
  if (list.length) out.subsets = list;
  return out;
}

/** sliceName is stable per Service and port set, so a reconcile updates the same slice instead of making another. */
export function sliceName(svc: Service, key: string): string {
  return `${svc.metadata.name}-${createHash('sha256').update(key).digest('hex').slice(0, 5)}`;
}

/**
 * desiredEndpointSlices are the discovery.k8s.io/v1 slices of a Service: one per distinct set of resolved ports,
 * carrying ready, serving and terminating conditions for every pod with an IP, including terminating pods. A
 * Service selecting no endpoints still gets one empty slice, as kube's placeholder slice.
 */
export function desiredEndpointSlices(svc: Service, pods: readonly Pod[]): EndpointSlice[] {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const e of podEndpoints(svc, pods)) {
    if (e.ports.length === 0 && (svc.spec?.ports?.length ?? 0) > 0) continue;
    const key = portsKey(e.ports);
    const group = groups.get(key) ?? groups.set(key, { ports: e.ports, endpoints: [] }).get(key)!;
    const hostname = hostnameFor(svc, e.pod);
    group.endpoints.push({
      addresses: [e.pod.status!.podIP!],
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
      ...(hostname ? { hostname } : {}),
      ...(e.pod.spec.nodeName ? { nodeName: e.pod.spec.nodeName } : {}),
      targetRef: targetRef(e.pod),
    });
  }
  if (groups.size === 0) groups.set('[]', { ports: [], endpoints: [] });
  return [...groups.entries()].map(([key, g]) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(svc, key),
      namespace: svc.metadata.namespace ?? '',
      labels: { ...svc.metadata.labels, [LABEL_SERVICE_NAME]: svc.metadata.name ?? '', [LABEL_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER },
      ownerReferences: [newControllerRef(svc)],
    },
    addressType: 'IPv4',
    endpoints: g.endpoints,
    ports: g.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
  }));
}
