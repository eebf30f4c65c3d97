import { DISRUPTION_TARGET, isNotFound, isPodTerminal, updatePodCondition, type Pod, type PodCondition, type PodStatus } from '@skiff/api';
import { watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { creationMs } from '../../util/sort-by.js';

/** ORPHANED_CONDITION marks a pod deleted because its node is gone (kube's podgc gcOrphaned). */
const ORPHANED_CONDITION = { type: DISRUPTION_TARGET, status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' } as const;

/** POD_GC_KEY is the single key the pod GC reconciles; it requeues itself every period. */
export const POD_GC_KEY = 'pods';

export interface PodGCControllerOptions extends ControllerDeps {
  /** Finished pods kept before the oldest are deleted (--terminated-pod-gc-threshold; 0 disables). */
  terminatedThreshold?: number;
  periodMs?: number;
}

/**
 * PodGCController removes pods nobody else will, after kube's podgc: pods bound to nodes that no longer exist
 * (confirmed with a live GET), terminating pods that were never scheduled, terminating pods on a node that is not
 * Ready once their grace period is over (the node cannot confirm), and the oldest finished pods beyond a threshold.
 * All deletions are forced (grace 0), since no node agent is left to finish them; a pod not yet finished is first
 * marked Failed (and an orphan DisruptionTarget), as kube's markFailedAndDeletePodWithCondition does.
 */
export class PodGCController extends ManagedController {
  readonly #threshold: number;
  readonly #periodMs: number;

  constructor(opts: PodGCControllerOptions) {
    super('podgc', opts, 1);
    this.#threshold = opts.terminatedThreshold ?? 12_500;
    this.#periodMs = opts.periodMs ?? 20_000;
    // One sweep key, reconciled at start and then every period: pod GC polls rather than watches.
    this.watch([watch.cache(this.informers.pods), watch.cache(this.informers.nodes)], [POD_GC_KEY]);
  }

  async reconcile(): Promise<ReconcileResult> {
    const now = this.clock.now();
    const pods = this.informers.pods.indexer.list();
    const nodes = this.informers.nodes.indexer;
    const missingNodes = new Map<string, boolean>();
    for (const pod of pods) {
      const nodeName = pod.spec.nodeName;
      if (!nodeName) {
        if (pod.metadata.deletionTimestamp) await this.#forceDelete(pod, 'unscheduled terminating');
        continue;
      }
      const node = nodes.get(nodeName);
      if (!node) {
        if (!missingNodes.has(nodeName)) missingNodes.set(nodeName, await this.#nodeGone(nodeName));
        if (missingNodes.get(nodeName)) await this.#forceDelete(pod, 'orphaned', ORPHANED_CONDITION);
        continue;
      }
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const due = Date.parse(pod.metadata.deletionTimestamp ?? '');
      if (!ready && Number.isFinite(due) && due <= now) await this.#forceDelete(pod, 'terminating on unready node');
    }
    if (this.#threshold > 0) {
      const finished = pods.filter(isPodTerminal).sort((a, b) => creationMs(a) - creationMs(b));
      for (const pod of finished.slice(0, Math.max(0, finished.length - this.#threshold))) await this.#forceDelete(pod, 'terminated');
    }
    return { requeueAfterMs: this.#periodMs };
  }

  async #nodeGone(name: string): Promise<boolean> {
    try {
      await this.client.nodes.get(name);
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  /**
   * #forceDelete first patches a pod that has not finished to phase Failed (with `condition`, if any): with no
   * node agent left to do it, the pod would otherwise end Running, and a Job's podFailurePolicy reads
   * DisruptionTarget to tell a disruption from a failure. The patch is for this pod's uid.
   */
  async #forceDelete(pod: Pod, reason: string, condition?: Omit<PodCondition, 'lastTransitionTime'>): Promise<void> {
    this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, reason }, 'garbage collecting pod');
    const name = pod.metadata.name ?? '';
    const namespace = pod.metadata.namespace;
    try {
      if (!isPodTerminal(pod)) {
        const status: PodStatus = structuredClone(pod.status ?? {});
        const patch: PodStatus = { phase: 'Failed' };
        if (condition && updatePodCondition(status, condition, this.clock.now())) patch.conditions = [status.conditions!.find((c) => c.type === condition.type)!];
        await this.client.pods.patch(name, { metadata: { uid: pod.metadata.uid }, status: patch }, { namespace, subresource: 'status', type: 'strategic' });
      }
      await this.client.pods.delete(name, { namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
