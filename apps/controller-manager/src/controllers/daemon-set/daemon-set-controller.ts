import { isDeepStrictEqual } from 'node:util';
import {
  controllerOf,
  CONTROLLER_REVISION_HASH_LABEL,
  isNotFound,
  isPodTerminal,
  newControllerRef,
  objectKey,
  type ControllerRevision,
  type DaemonSet,
  type DaemonSetStatus,
  type Node,
  type Pod,
} from '@skiff/api';
import { OWNER_UID_INDEX, unwrapTombstone, watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import type { ResourceApi } from '../../controller-client.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { isPodAvailable, isPodReady } from '../../util/pod-state.js';
import { intOrPercent } from '../deployment/deployment-util.js';
import { claimRevisions, revisionsApi, revisionsInformer } from '../../util/controller-history.js';
import { ControllerExpectations } from '../replica-set/controller-expectations.js';
import { ownedPodHandler } from '../../util/owned-pod-handler.js';
import { addDaemonTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeOf } from './daemon-pod-placement.js';
import { cleanupHistory, constructHistory } from './daemon-history.js';

/** BURST_REPLICAS caps the pods one reconcile creates or deletes (kube's daemon controller uses the same 250 slow-start batches). */
export const DAEMON_BURST = 250;

export interface DaemonSetControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

/** NodePlan is what one reconcile decided for the DaemonSet's nodes. */
interface NodePlan {
  create: string[];
  delete: Pod[];
}

/**
 * DaemonSetController runs one pod of each DaemonSet on every node it should run on, after kube's
 * pkg/controller/daemon: nodeSelector, required node affinity and NoSchedule/NoExecute taints decide the nodes
 * (with the tolerations every daemon pod gets); each pod is created unbound with a required node affinity
 * `metadata.name In [node]`, so the scheduler binds it there, as Kubernetes has done since 1.12. Pods on nodes
 * that no longer qualify (or are gone) are deleted. Each template is a ControllerRevision (`kubectl rollout
 * history|undo` read and restore them) whose `controller-revision-hash` label marks the pods made from it;
 * RollingUpdate replaces pods of other revisions within maxUnavailable (or surges within maxSurge), OnDelete only
 * when a user deletes them; revisionHistoryLimit old revisions are kept. Status counts nodes as kube does.
 */
export class DaemonSetController extends ManagedController {
  readonly expectations: ControllerExpectations;
  readonly #recorder: EventRecorder;
  readonly #revisions: ResourceApi<ControllerRevision>;

  constructor(opts: DaemonSetControllerOptions) {
    super('daemonset', opts, 2);
    this.#recorder = opts.recorder;
    this.#revisions = revisionsApi(this.client);
    this.expectations = new ControllerExpectations(this.clock);
    const enqueueAll = (queue: { add(key: string): void }): void => {
      for (const ds of this.informers.daemonsets.indexer.list()) queue.add(objectKey(ds));
    };
    this.watch([
      watch.handler(this.informers.daemonsets, (queue) => ({
        onAdd: (ds) => queue.add(objectKey(ds)),
        onUpdate: (_old, ds) => queue.add(objectKey(ds)),
        onDelete: (obj) => this.expectations.forget(objectKey(unwrapTombstone(obj))),
      })),
      watch.handler(this.informers.pods, (queue) => ownedPodHandler(this.expectations, (pod) => this.#ownerKey(pod), queue)),
      // A revision changed or deleted by hand is put back by its DaemonSet (kube's addHistory/deleteHistory).
      watch.handler(revisionsInformer(this.informers), (queue) => {
        const requeue = (cr: ControllerRevision): void => {
          const key = this.#ownerKey(cr);
          if (key) queue.add(key);
        };
        return { onAdd: requeue, onUpdate: (_old, cr) => requeue(cr), onDelete: (obj) => requeue(unwrapTombstone(obj)) };
      }),
      // Heartbeats update nodes every few seconds; only what placement reads requeues every DaemonSet.
      watch.handler(this.informers.nodes, (queue) => ({
        onAdd: () => enqueueAll(queue),
        onUpdate: (old, node) => {
          if (!isDeepStrictEqual(old.metadata.labels, node.metadata.labels) || !isDeepStrictEqual(old.spec?.taints, node.spec?.taints)) enqueueAll(queue);
        },
        onDelete: () => enqueueAll(queue),
      })),
    ]);
  }

  #ownerKey(obj: Pod | ControllerRevision): string | undefined {
    const ref = controllerOf(obj);
    if (ref?.kind !== 'DaemonSet') return undefined;
    const ds = this.informers.daemonsets.indexer.get(`${obj.metadata.namespace}/${ref.name}`);
    return ds && ds.metadata.uid === ref.uid ? objectKey(ds) : undefined;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const ds = this.informers.daemonsets.indexer.get(key);
    if (!ds) {
      this.expectations.forget(key);
      return {};
    }
    if (ds.metadata.deletionTimestamp) return {};
    const now = this.clock.now();
    const nodes = this.informers.nodes.indexer.list();
    const byNode = this.#podsByNode(ds);
    const pods = [...byNode.values()].flat();
    const clients = { revisions: this.#revisions, daemonsets: this.client.daemonsets, pods: this.client.pods };
    const history = await constructHistory(clients, ds, await claimRevisions(this.#revisions, revisionsInformer(this.informers), ds), pods);
    // Relabelled pods still look old in the cache; their updates requeue the DaemonSet.
    if (history.relabelled) return {};
    const hash = history.hash;

    let syncError: unknown;
    if (this.expectations.satisfied(key)) {
      const plan = manage(ds, nodes, byNode);
      if (plan.create.length === 0 && plan.delete.length === 0 && ds.spec.updateStrategy?.type !== 'OnDelete') {
        Object.assign(plan, rollingUpdate(ds, nodes, byNode, hash, now));
      }
      try {
        await this.#sync(key, ds, plan, hash);
        await cleanupHistory(this.#revisions, ds, history.old, pods);
      } catch (err) {
        syncError = err;
      }
    }
    await this.#updateStatus(ds, nodes, this.#podsByNode(ds), hash, now);
    if (syncError) throw syncError;
    // minReadySeconds: look again when the first pod becomes available.
    return (ds.spec.minReadySeconds ?? 0) > 0 ? { requeueAfterMs: (ds.spec.minReadySeconds ?? 0) * 1000 } : {};
  }

  /** podsByNode groups the DaemonSet's pods by the node they are for (bound or pinned); '' holds pods for neither. */
  #podsByNode(ds: DaemonSet): Map<string, Pod[]> {
    const pods = this.informers.pods.indexer.byIndex(OWNER_UID_INDEX, ds.metadata.uid ?? '').filter((p) => controllerOf(p)?.uid === ds.metadata.uid);
    const byNode = new Map<string, Pod[]>();
    for (const pod of pods) {
      const node = targetNodeOf(pod) ?? '';
      const list = byNode.get(node);
      if (list) list.push(pod);
      else byNode.set(node, [pod]);
    }
    for (const list of byNode.values()) list.sort(byCreation);
    return byNode;
  }

  async #sync(key: string, ds: DaemonSet, plan: NodePlan, hash: string): Promise<void> {
    const create = plan.create.slice(0, DAEMON_BURST);
    const del = plan.delete.slice(0, DAEMON_BURST);
    if (create.length === 0 && del.length === 0) return;
    this.expectations.expectCreations(key, create.length);
    this.expectations.expectDeletions(key, del.map(objectKey));
    const results = await Promise.allSettled([
      ...create.map(async (node) => {
        try {
          const created = await this.client.pods.create(newDaemonPod(ds, node, hash));
          this.#recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.#recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
          throw err;
        }
      }),
      ...del.map(async (pod) => {
        try {
          await this.client.pods.delete(pod.metadata.name!, { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
          this.#recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (isNotFound(err)) return;
          this.#recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #updateStatus(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string, now: number): Promise<void> {
    const status: DaemonSetStatus = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: 0,
      numberAvailable: 0,
      numberUnavailable: 0,
    };
    const minReady = ds.spec.minReadySeconds ?? 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = (byNode.get(node.metadata.name ?? '') ?? []).filter((p) => !p.metadata.deletionTimestamp);
      if (!shouldRun) {
        if (pods.length > 0) status.numberMisscheduled++;
        continue;
      }
      status.desiredNumberScheduled++;
      if (pods.length === 0) continue;
      status.currentNumberScheduled++;
      const oldest = pods[0]!;
      if (isPodReady(oldest)) status.numberReady++;
      if (isPodAvailable(oldest, minReady, now)) status.numberAvailable!++;
      if (pods.some((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash)) status.updatedNumberScheduled!++;
    }
    status.numberUnavailable = status.desiredNumberScheduled - status.numberAvailable!;
    if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
    if (ds.status?.conditions) status.conditions = ds.status.conditions;
    if (isDeepStrictEqual(ds.status, status)) return;
    const next = structuredClone(ds);
    next.status = status;
    await this.client.daemonsets.updateStatus(next);
  }
}

const byCreation = (a: Pod, b: Pod): number => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

const allowsSurge = (ds: DaemonSet): boolean => ds.spec.updateStrategy?.type === 'RollingUpdate' && intOrPercent(ds.spec.updateStrategy.rollingUpdate?.maxSurge, '0', 1, true) > 0;

/**
 * manage is kube's podsShouldBeOnNode over every node: a pod where one should run and none is, the failed pods
 * replaced, extra pods on one node deleted (the oldest stays; with surge an old and a new pod may share a node
 * while the new one becomes available), and pods deleted from nodes that no longer qualify or are gone.
 */
export function manage(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>): NodePlan {
  const plan: NodePlan = { create: [], delete: [] };
  const known = new Set<string>();
  const surge = allowsSurge(ds);
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    known.add(name);
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(name) ?? [];
    if (shouldRun && pods.length === 0) {
      plan.create.push(name);
      continue;
    }
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    if (!shouldContinueRunning) {
      plan.delete.push(...live);
      continue;
    }
    // A failed daemon pod (restartPolicy Always makes this rare: evicted, node rejected it) is replaced.
    const failed = live.filter((p) => isPodTerminal(p));
    plan.delete.push(...failed);
    const running = live.filter((p) => !isPodTerminal(p));
    if (failed.length > 0 && running.length === 0 && shouldRun) continue; // recreated once the failed one is gone
    if (!surge) {
      plan.delete.push(...running.slice(1));
    } else {
      // Keep the oldest pod of each template revision: at most one old and one new.
      const seen = new Set<string>();
      for (const pod of running) {
        const rev = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
        if (seen.has(rev) || seen.size >= 2) plan.delete.push(pod);
        else seen.add(rev);
      }
    }
  }
  for (const [name, pods] of byNode) if (!known.has(name)) plan.delete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
  return plan;
}

/**
 * rollingUpdate is kube's rollingUpdate: with maxSurge 0, delete old pods while fewer than maxUnavailable nodes
 * lack an available pod (old unavailable pods go at once); with maxSurge, create the new pod beside the old one
 * on up to maxSurge nodes and delete the old one once the new one is available.
 */
export function rollingUpdate(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string, now: number): NodePlan {
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  const minReady = ds.spec.minReadySeconds ?? 0;
  const eligible = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).map((n) => n.metadata.name ?? '');
  const desired = eligible.length;
  const maxSurge = intOrPercent(ru?.maxSurge, '0', desired, true);
  const maxUnavailable = intOrPercent(ru?.maxUnavailable, '1', desired, true);
  const split = (name: string): { newPod?: Pod; oldPod?: Pod } => {
    const live = (byNode.get(name) ?? []).filter((p) => !p.metadata.deletionTimestamp);
    const isNew = (p: Pod) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
    return { newPod: live.find(isNew), oldPod: live.find((p) => !isNew(p)) };
  };
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of eligible) {
      const { newPod, oldPod } = split(name);
      if ((!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod && !available(oldPod)) {
        replace.push(oldPod);
        unavailable++;
      } else if (oldPod && unavailable < maxUnavailable) candidates.push(oldPod);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { create: [], delete: [...replace, ...candidates.slice(0, room)] };
  }
  let surging = 0;
  const allowedNodes: string[] = [];
  const candidateNodes: string[] = [];
  const oldToDelete: Pod[] = [];
  for (const name of eligible) {
    const { newPod, oldPod } = split(name);
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) allowedNodes.push(name);
      else if (surging < maxSurge) candidateNodes.push(name);
    } else if (!available(newPod)) surging++;
    else oldToDelete.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surging), candidateNodes.length);
  return { create: [...allowedNodes, ...candidateNodes.slice(0, room)], delete: oldToDelete };
}

/** newDaemonPod is the DaemonSet's template for one node: its labels plus the revision hash, the daemon tolerations, pinned to the node. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = ds.spec.template;
  const spec = structuredClone(template.spec);
  addDaemonTolerations(spec);
  pinToNode(spec, nodeName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds)],
    },
    spec,
  };
}
