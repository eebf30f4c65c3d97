/**
 * @module NodeGraph: which Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccounts each node's pods use
 * (kube's node authorizer graph, reduced to pod → object edges), and which PersistentVolumes a node may read: those
 * its pods' claims are bound to (kube's pvc → pv edge), those pinned to it by nodeAffinity (a local volume whose
 * data it holds) and names no volume has. It is kept up to date from the store's change feed, so the Node
 * authorizer answers in O(1) per request instead of scanning pods.
 */
import { podReferences, type GraphKind, type KubeObject, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import type { Storage } from '../storage/storage.js';

export type { GraphKind };

const POD_RESOURCE = 'pods';
const CLAIM_RESOURCE = 'persistentvolumeclaims';
const VOLUME_RESOURCE = 'persistentvolumes';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** pinnedNodes are the hostnames a volume's required nodeAffinity names with `In` (a local volume's node). */
function pinnedNodes(pv: PersistentVolume): string[] {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  return terms.flatMap((t) => (t.matchExpressions ?? []).filter((e) => e.key === HOSTNAME_LABEL && e.operator === 'In').flatMap((e) => e.values ?? []));
}

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
  /** namespace/name of a claim → the volume it is bound to (spec.volumeName). */
  readonly #claimVolume = new Map<string, string>();
  /** volume name → the claims (namespace/name) bound to it. */
  readonly #volumeClaims = new Map<string, Set<string>>();
  /** volume name → the nodes its nodeAffinity pins it to. */
  readonly #volumes = new Map<string, string[]>();
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
      const deleted = e.type === 'DELETED';
      if (e.resource === CLAIM_RESOURCE) return graph.setClaim(e.object as unknown as PersistentVolumeClaim, deleted);
      if (e.resource === VOLUME_RESOURCE) return graph.setVolume(e.object as unknown as PersistentVolume, deleted);
      if (e.resource !== POD_RESOURCE) return;
      if (graph.#pending) touched.add(`${e.namespace}/${e.name}`);
      if (deleted) graph.delete(e.object);
      else graph.set(e.object);
    });
    // Claims and volumes are few next to pods: indexed now, and set*() is idempotent.
    for (const pvc of store.list(CLAIM_RESOURCE).items) graph.setClaim(pvc as unknown as PersistentVolumeClaim, false);
    for (const pv of store.list(VOLUME_RESOURCE).items) graph.setVolume(pv as unknown as PersistentVolume, false);
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

  /** setClaim records (or, when `deleted`, forgets) the volume a claim is bound to. */
  setClaim(pvc: PersistentVolumeClaim, deleted: boolean): void {
    const key = `${pvc.metadata.namespace ?? ''}/${pvc.metadata.name ?? ''}`;
    const old = this.#claimVolume.get(key);
    const next = deleted ? undefined : pvc.spec?.volumeName || undefined;
    if (old === next) return;
    if (old !== undefined) {
      const claims = this.#volumeClaims.get(old);
      claims?.delete(key);
      if (claims?.size === 0) this.#volumeClaims.delete(old);
      this.#claimVolume.delete(key);
    }
    if (next === undefined) return;
    this.#claimVolume.set(key, next);
    let claims = this.#volumeClaims.get(next);
    if (!claims) this.#volumeClaims.set(next, (claims = new Set()));
    claims.add(key);
  }

  /** setVolume records (or forgets) a volume and the nodes it is pinned to. */
  setVolume(pv: PersistentVolume, deleted: boolean): void {
    const name = pv.metadata.name ?? '';
    if (deleted) this.#volumes.delete(name);
    else this.#volumes.set(name, pinnedNodes(pv));
  }

  /**
   * mayGetVolume says whether `node` may read PersistentVolume `name`: one a claim of its pods is bound to, one
   * pinned to it, or a name no volume has (the read answers 404: how a node learns that a volume whose data it holds
   * is gone, without watching every volume).
   */
  mayGetVolume(node: string, name: string): boolean {
    const pinned = this.#volumes.get(name);
    if (!pinned || pinned.includes(node)) return true;
    for (const claim of this.#volumeClaims.get(name) ?? []) {
      const slash = claim.indexOf('/');
      if (this.uses(node, 'persistentvolumeclaims', claim.slice(0, slash), claim.slice(slash + 1))) return true;
    }
    return false;
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
