import { isNotFound, objectKey, type Pod } from '@skiff/api';
import {
  NODE_NAME_INDEX,
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

  constructor(opts: TaintEvictionControllerOptions) {
    super('taint-eviction', opts, 5);
    this.#recorder = opts.recorder;
    const podChanged = (queue: RateLimitingQueue<string>, pod: Pod): void => {
      if (pod.spec.nodeName && !pod.metadata.deletionTimestamp) queue.add(objectKey(pod));
    };
    this.watch([
      // Only bound, live pods can be evicted.
      watch.handler(this.informers.pods, (queue) => ({ onAdd: (p) => podChanged(queue, p), onUpdate: (_o, p) => podChanged(queue, p) })),
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
    if (!pod?.spec.nodeName || pod.metadata.deletionTimestamp) return {};
    const node = this.informers.nodes.indexer.get(pod.spec.nodeName);
    const taints = node?.spec?.taints ?? [];
    const now = this.clock.now();
    const deadline = evictionDeadline(taints, pod.spec.tolerations ?? [], now);
    if (deadline === undefined) return {};
    if (deadline > now) return { requeueAfterMs: deadline - now };
    this.#recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      await this.client.pods.delete(pod.metadata.name ?? '', { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }

  #enqueuePodsOn(nodeName: string | undefined): void {
    if (!nodeName) return;
    for (const pod of this.informers.pods.indexer.byIndex(NODE_NAME_INDEX, nodeName)) this.queue.add(objectKey(pod));
  }
}
