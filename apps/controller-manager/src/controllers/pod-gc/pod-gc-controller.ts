import { isNotFound, isPodTerminal, type Pod } from '@skiff/api';
import { watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { creationMs } from '../../util/sort-by.js';

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
 * All deletions are forced (grace 0), since no node agent is left to finish them.
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
        if (missingNodes.get(nodeName)) await this.#forceDelete(pod, 'orphaned');
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

  async #forceDelete(pod: Pod, reason: string): Promise<void> {
    this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, reason }, 'garbage collecting pod');
    try {
      await this.client.pods.delete(pod.metadata.name ?? '', { namespace: pod.metadata.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
