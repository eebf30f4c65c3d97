/**
 * @module NodeGraph: which Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccounts each node's pods use
 * (kube's node authorizer graph, reduced to pod → object edges). It is kept up to date from the store's change
 * feed, so the Node authorizer answers in O(1) per request instead of scanning pods.
 */
import { podReferences, type GraphKind, type KubeObject, type Pod } from '@skiff/api';
import type { Storage } from '../storage/storage.js';

export type { GraphKind };

const POD_RESOURCE = 'pods';

interface PodEntry {
  node: string;
  refs: string[];
}

/** NodeGraph answers "does a pod bound to NODE use KIND NAMESPACE/NAME" and "is POD bound to NODE". */
export class NodeGraph {
  /** node → reference key → how many of its pods use it. */
  readonly #uses = new Map<string, Map<string, number>>();
  /** namespace/name of a bound pod → its node and references. */
  readonly #pods = new Map<string, PodEntry>();

  /** fromStore indexes the stored pods and follows the store's changes; `stop` ends the subscription. */
  static fromStore(store: Storage): { graph: NodeGraph; stop: () => void } {
    const graph = new NodeGraph();
    // Subscribe first so nothing written between the list and the subscription is missed; set() is idempotent.
    const stop = store.subscribe((e) => {
      if (e.resource !== POD_RESOURCE) return;
      if (e.type === 'DELETED') graph.delete(e.object);
      else graph.set(e.object);
    });
    for (const pod of store.list(POD_RESOURCE).items) graph.set(pod);
    return { graph, stop };
  }

  set(obj: KubeObject): void {
    const pod = obj as unknown as Pod;
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    this.delete(obj);
    const node = pod.spec?.nodeName;
    if (!node) return;
    const entry = { node, refs: podReferences(pod) };
    this.#pods.set(key, entry);
    let uses = this.#uses.get(node);
    if (!uses) this.#uses.set(node, (uses = new Map()));
    for (const r of entry.refs) uses.set(r, (uses.get(r) ?? 0) + 1);
  }

  delete(obj: KubeObject): void {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    const entry = this.#pods.get(key);
    if (!entry) return;
    this.#pods.delete(key);
    const uses = this.#uses.get(entry.node);
    if (!uses) return;
    for (const r of entry.refs) {
      const n = (uses.get(r) ?? 0) - 1;
      if (n > 0) uses.set(r, n);
      else uses.delete(r);
    }
    if (uses.size === 0) this.#uses.delete(entry.node);
  }

  /** uses says whether a pod bound to `node` references KIND NAMESPACE/NAME. */
  uses(node: string, kind: GraphKind, namespace: string, name: string): boolean {
    return (this.#uses.get(node)?.get(`${kind}/${namespace}/${name}`) ?? 0) > 0;
  }

  /** nodeOf is the node a pod is bound to, or undefined. */
  nodeOf(namespace: string, name: string): string | undefined {
    return this.#pods.get(`${namespace}/${name}`)?.node;
  }
}
