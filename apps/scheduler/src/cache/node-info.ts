/**
 * @module NodeInfo: a node plus the aggregate of the pods placed on it (framework/types.go NodeInfo).
 */
import { controllerOf, type Node, type Pod } from '@skiff/api';
import { emptyResources, nodeAllocatable, nonZeroRequests, podRequests, type Resources } from '../framework/resources.js';

/** PodInfo is a pod with the figures the scheduler needs precomputed once, not per node per cycle. */
export interface PodInfo {
  pod: Pod;
  key: string;
  requests: Resources;
  nonZero: { milliCpu: number; memory: number };
  /** "protocol/hostIP/hostPort" for every container port that claims a host port. */
  hostPorts: string[];
  /** Controller owner uid, for spreading pods of one owner. */
  ownerUid: string | undefined;
}

/** podKey is namespace/name, the identity the scheduler's cache and queue use. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/** hostPortsOf lists the host ports a pod claims; hostIP 0.0.0.0 (the default) conflicts with every IP. */
export function hostPortsOf(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push(`${p.protocol ?? 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
    }
  }
  return out;
}

/** newPodInfo computes a pod's requests and ports once. */
export function newPodInfo(pod: Pod): PodInfo {
  return { pod, key: podKey(pod), requests: podRequests(pod), nonZero: nonZeroRequests(pod), hostPorts: hostPortsOf(pod), ownerUid: controllerOf(pod)?.uid };
}

/**
 * NodeInfo keeps, for one node, its allocatable resources and the running sum of what its pods (bound and assumed)
 * request, so filters and scores read totals in O(1) instead of summing pods.
 */
export class NodeInfo {
  node: Node | undefined;
  readonly name: string;
  readonly pods = new Map<string, PodInfo>();
  requested: Resources = emptyResources();
  nonZeroRequested = { milliCpu: 0, memory: 0 };
  allocatable: Resources & { pods: number } = { ...emptyResources(), pods: 0 };
  /** usedPorts counts claims per "protocol/hostIP/port". */
  readonly usedPorts = new Map<string, number>();
  /** podsWithRequiredAntiAffinity holds pods on this node whose required anti-affinity the incoming pod must respect. */
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();
  /** ownerCounts counts pods per controller owner uid, for spreading. */
  readonly ownerCounts = new Map<string, number>();

  #readyOf: Node | undefined;
  #ready = false;

  constructor(name: string, node?: Node) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node.status?.allocatable ?? node.status?.capacity);
  }

  /** ready says whether the node's Ready condition is True; read once per Node object, not once per cycle. */
  get ready(): boolean {
    if (this.#readyOf !== this.node) {
      this.#readyOf = this.node;
      let ready = false;
      for (const c of this.node?.status?.conditions ?? []) {
        if (c.type !== 'Ready') continue;
        ready = c.status === 'True';
        break;
      }
      this.#ready = ready;
    }
    return this.#ready;
  }

  addPod(info: PodInfo): void {
    this.pods.set(info.key, info);
    this.#apply(info, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (!info) return undefined;
    this.pods.delete(key);
    this.#apply(info, -1);
    return info;
  }

  #apply(info: PodInfo, sign: 1 | -1): void {
    this.requested.milliCpu += sign * info.requests.milliCpu;
    this.requested.memory += sign * info.requests.memory;
    for (const [k, v] of Object.entries(info.requests.scalars)) this.requested.scalars[k] = (this.requested.scalars[k] ?? 0) + sign * v;
    this.nonZeroRequested.milliCpu += sign * info.nonZero.milliCpu;
    this.nonZeroRequested.memory += sign * info.nonZero.memory;
    for (const port of info.hostPorts) {
      const n = (this.usedPorts.get(port) ?? 0) + sign;
      if (n > 0) this.usedPorts.set(port, n);
      else this.usedPorts.delete(port);
    }
    if (info.pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) {
      if (sign > 0) this.podsWithRequiredAntiAffinity.add(info);
      else for (const p of this.podsWithRequiredAntiAffinity) if (p.key === info.key) this.podsWithRequiredAntiAffinity.delete(p);
    }
    if (info.ownerUid) {
      const n = (this.ownerCounts.get(info.ownerUid) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(info.ownerUid, n);
      else this.ownerCounts.delete(info.ownerUid);
    }
  }
}
