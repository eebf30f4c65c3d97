/**
 * @module SchedulerCache: node usage including assumed pods (backend/cache/cache.go).
 */
import type { Node, Pod } from '@skiff/api';
import { NodeInfo, newPodInfo, podKey, type PodInfo } from './node-info.js';
import type { Snapshot } from './snapshot.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

/**
 * SchedulerCache adds up what every node's pods request. A pod the scheduler has chosen a node for is **assumed**
 * onto that node at once, before its binding is even sent, so the next cycle already sees the node as fuller; fast
 * scheduling can never overcommit a node while binds are in flight. The assumption is confirmed when the bound pod
 * comes back through the watch (`addPod`), or forgotten when the bind fails (`forgetPod`).
 */
export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #pods = new Map<string, PodState>();
  #list: NodeInfo[] | undefined;

  /** assumePod places a pod, whose spec.nodeName names the chosen node, on that node ahead of the bind. */
  assumePod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec.nodeName;
    if (!nodeName) throw new Error(`assumePod: pod ${key} has no nodeName`);
    if (this.#pods.has(key)) throw new Error(`assumePod: pod ${key} is already in the cache`);
    const info = newPodInfo(pod);
    this.#nodeInfo(nodeName).addPod(info);
    this.#pods.set(key, { info, nodeName, assumed: true });
  }

  /** forgetPod undoes assumePod after a failed bind; a pod already confirmed by the watch is left alone. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.#pods.get(key);
    if (!state?.assumed) return;
    this.#removeState(key, state);
  }

  /** isAssumed says whether a pod is placed only by assumption so far. */
  isAssumed(pod: Pod): boolean {
    return this.#pods.get(podKey(pod))?.assumed === true;
  }

  /** addPod records a bound pod seen through the watch, confirming (and if need be correcting) an assumption. */
  addPod(pod: Pod): void {
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    const key = podKey(pod);
    const state = this.#pods.get(key);
    if (state) this.#removeState(key, state);
    const info = newPodInfo(pod);
    this.#nodeInfo(nodeName).addPod(info);
    this.#pods.set(key, { info, nodeName, assumed: false });
  }

  /** updatePod is addPod for a pod already known; requests can change (in-place resize) and are recounted. */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** removePod drops a deleted or finished pod, freeing its node's resources. */
  removePod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.#pods.get(key);
    if (state) this.#removeState(key, state);
  }

  addNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const existing = this.#nodes.get(name);
    if (existing) {
      if (!existing.node) this.#list = undefined;
      existing.setNode(node);
      return;
    }
    this.#nodes.set(name, new NodeInfo(name, node));
    this.#list = undefined;
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** removeNode forgets the Node object; pods still bound to it keep their NodeInfo until they are removed. */
  removeNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const info = this.#nodes.get(name);
    if (!info) return;
    if (info.pods.size === 0) this.#nodes.delete(name);
    else info.node = undefined;
    this.#list = undefined;
  }

  /** hasPod says whether the cache holds the pod, assumed or confirmed. */
  hasPod(key: string): boolean {
    return this.#pods.has(key);
  }

  /** podCount is how many pods the cache holds, assumed ones included. */
  podCount(): number {
    return this.#pods.size;
  }

  /** assumedCount is how many pods are assumed and not yet confirmed. */
  assumedCount(): number {
    let n = 0;
    for (const s of this.#pods.values()) if (s.assumed) n++;
    return n;
  }

  /** nodeInfo returns the live NodeInfo for a node, if the node exists. */
  nodeInfo(name: string): NodeInfo | undefined {
    const info = this.#nodes.get(name);
    return info?.node ? info : undefined;
  }

  /** snapshot returns the cycle's view; see Snapshot for why it shares NodeInfos. */
  snapshot(): Snapshot {
    this.#list ??= [...this.#nodes.values()].filter((n) => n.node !== undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const list = this.#list;
    return { nodes: list, get: (name) => this.nodeInfo(name) };
  }

  #nodeInfo(name: string): NodeInfo {
    let info = this.#nodes.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.#nodes.set(name, info);
    }
    return info;
  }

  #removeState(key: string, state: PodState): void {
    const info = this.#nodes.get(state.nodeName);
    info?.removePod(key);
    this.#pods.delete(key);
    if (info && !info.node && info.pods.size === 0) this.#nodes.delete(state.nodeName);
  }
}
