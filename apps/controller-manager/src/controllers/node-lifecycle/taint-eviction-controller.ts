import { DISRUPTION_TARGET, isNotFound, objectKey, updatePodCondition, type Pod, type PodStatus } from '@skiff/api';
import {
  NODE_NAME_INDEX,
  unwrapTombstone,
  watch,
  type RateLimitingQueue,
  type ReconcileResult,
} from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import type { EventRecorder } from '@skiff/controller-kit';
import { evictionDeadline } from './tolerations.js';

export interface TaintEvictionControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

/**
 * TaintEvictionController deletes pods from nodes with NoExecute taints they do not tolerate, or once their
 * tolerationSeconds run out, after kube's taint manager. Keys are pods; a pod whose toleration is still running is
 * requeued for when it ends, and a taint removed in the meantime makes that pass a no-op.
 */
export class TaintEvictionController extends ManagedController {
  readonly #recorder: EventRecorder;
  /** When this controller first saw each pod (by key) under NoExecute taints it tolerates for a while. */
  readonly #since = new Map<string, number>();

  constructor(opts: TaintEvictionControllerOptions) {
    super('taint-eviction', opts, 5);
    this.#recorder = opts.recorder;
    const podChanged = (queue: RateLimitingQueue<string>, pod: Pod): void => {
      if (pod.spec.nodeName && !pod.metadata.deletionTimestamp) queue.add(objectKey(pod));
    };
    this.watch([
      // Only bound, live pods can be evicted.
      watch.handler(this.informers.pods, (queue) => ({
        onAdd: (p) => podChanged(queue, p),
        onUpdate: (_o, p) => podChanged(queue, p),
        // A deleted pod's key runs once more, to forget when its toleration started.
        onDelete: (p) => queue.add(objectKey(unwrapTombstone(p))),
      })),
      // A node wakes every pod on it, but only when its taints changed.
      watch.handler(this.informers.nodes, () => ({
        onAdd: (node) => this.#enqueuePodsOn(node.metadata.name),
        onUpdate: (old, node) => {
          if (JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(node.spec?.taints ?? [])) this.#enqueuePodsOn(node.metadata.name);
        },
      })),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const pod = this.informers.pods.indexer.get(key);
    if (!pod?.spec.nodeName || pod.metadata.deletionTimestamp) {
      this.#since.delete(key);
      return {};
    }
    const node = this.informers.nodes.indexer.get(pod.spec.nodeName);
    const taints = node?.spec?.taints ?? [];
    const now = this.clock.now();
    // A scheduled eviction keeps its start while the pod stays under taints it tolerates for a while (kube's taint
    // manager keeps its queued work's CreatedAt); once none is left, the next taint starts the count again.
    const since = this.#since.get(key) ?? now;
    const deadline = evictionDeadline(taints, pod.spec.tolerations ?? [], now, since);
    if (deadline === undefined) {
      this.#since.delete(key);
      return {};
    }
    if (deadline > now) {
      this.#since.set(key, since);
      return { requeueAfterMs: deadline - now };
    }
    this.#since.delete(key);
    this.#recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      await this.#addConditionAndDelete(pod, now);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }

  /**
   * addConditionAndDelete is kube's taint manager's addConditionAndDeletePod: the pod is marked DisruptionTarget
   * (DeletionByTaintManager) before the delete, so it shows while the pod terminates and a Job's podFailurePolicy
   * can tell the eviction from a failure. Only the condition is patched (merged by type), for this pod's uid.
   */
  async #addConditionAndDelete(pod: Pod, now: number): Promise<void> {
    const name = pod.metadata.name ?? '';
    const namespace = pod.metadata.namespace;
    const status: PodStatus = structuredClone(pod.status ?? {});
    if (updatePodCondition(status, { type: DISRUPTION_TARGET, status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }, now)) {
      const condition = status.conditions!.find((c) => c.type === DISRUPTION_TARGET)!;
      await this.client.pods.patch(name, { metadata: { uid: pod.metadata.uid }, status: { conditions: [condition] } }, { namespace, subresource: 'status', type: 'strategic' });
    }
    await this.client.pods.delete(name, { namespace, preconditions: { uid: pod.metadata.uid } });
  }

  #enqueuePodsOn(nodeName: string | undefined): void {
    if (!nodeName) return;
    for (const pod of this.informers.pods.indexer.byIndex(NODE_NAME_INDEX, nodeName)) this.queue.add(objectKey(pod));
  }
}
