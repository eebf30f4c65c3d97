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
  /** Completes the index of the stored pods while fromStore is still working through them. */
  #pending: (() => void) | undefined;

  /**
   * fromStore indexes the stored pods and follows the store's changes; `stop` ends the subscription. Start-up only
   * takes the list of stored entries (their JSON text): the pods are parsed afterwards, `slice` at a time between
   * other work, so an api-server over 100,000 pods serves at once instead of parsing them all first (seconds). A
   * query before the index is complete completes it there and then, so no answer ever comes from half an index.
   */
  static fromStore(store: Storage, opts: { slice?: number } = {}): { graph: NodeGraph; stop: () => void } {
    const graph = new NodeGraph();
    // Subscribe first so nothing written after the list is missed. A pod an event changed while the list was
    // being indexed is the event's business: its listed entry is older (or gone) and is skipped.
    const touched = new Set<string>();
    const unsubscribe = store.subscribe((e) => {
      if (e.resource !== POD_RESOURCE) return;
      if (graph.#pending) touched.add(`${e.namespace}/${e.name}`);
      if (e.type === 'DELETED') graph.delete(e.object);
      else graph.set(e.object);
    });
    // Entries are immutable (a write replaces them), so the array stays valid while it is worked through.
    const entries = Array.from(store.listAfter(POD_RESOURCE, undefined, undefined).entries);
    const slice = opts.slice ?? 1000;
    let next = 0;
    let timer: NodeJS.Immediate | undefined;
    const index = (until: number): void => {
      for (; next < until; next++) {
        const entry = entries[next]!;
        // An unbound pod adds nothing: skip it unparsed (a pod whose text lacks the key has no nodeName).
        if (!entry.json.includes('"nodeName"') || touched.has(`${entry.namespace}/${entry.name}`)) continue;
        // Parse the text here rather than read entry.object, which would keep the parsed pod in the store's cache.
        graph.set(JSON.parse(entry.json) as KubeObject);
      }
      if (next < entries.length) return;
      graph.#pending = undefined;
      touched.clear();
      entries.length = 0;
    };
    const step = (): void => {
      timer = undefined;
      index(Math.min(next + slice, entries.length));
      if (graph.#pending) timer = setImmediate(step);
    };
    graph.#pending = () => {
      if (timer) clearImmediate(timer);
      index(entries.length);
    };
    if (entries.length > 0) timer = setImmediate(step);
    else graph.#pending = undefined;
    return {
      graph,
      stop: () => {
        if (timer) clearImmediate(timer);
        unsubscribe();
      },
    };
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
    this.#pending?.();
    return (this.#uses.get(node)?.get(`${kind}/${namespace}/${name}`) ?? 0) > 0;
  }

  /** nodeOf is the node a pod is bound to, or undefined. */
  nodeOf(namespace: string, name: string): string | undefined {
    this.#pending?.();
    return this.#pods.get(`${namespace}/${name}`)?.node;
  }
}
