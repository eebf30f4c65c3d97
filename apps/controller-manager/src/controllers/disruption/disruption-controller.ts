import { isDeepStrictEqual } from 'node:util';
import {
  controllerOf,
  DISRUPTION_ALLOWED_CONDITION,
  formatTime,
  INSUFFICIENT_PODS_REASON,
  objectKey,
  selectorFromLabelSelector,
  SUFFICIENT_PODS_REASON,
  SYNC_FAILED_REASON,
  type Condition,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from '@skiff/api';
import { unwrapTombstone, watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { isPodReady } from '../../util/pod-state.js';
import { intOrPercent } from '../deployment/deployment-util.js';

/**
 * DELETION_TIMEOUT_MS is how long an eviction's entry in status.disruptedPods holds a pod out of currentHealthy:
 * past it, the pod was not deleted after all and counts again (kube's DeletionTimeout, 2 minutes).
 */
export const DELETION_TIMEOUT_MS = 120_000;

export interface DisruptionControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

/**
 * DisruptionController keeps each PodDisruptionBudget's status, after kube's pkg/controller/disruption: the pods
 * its selector picks, how many of them are healthy (Ready, not being deleted, not just evicted), how many must be
 * (minAvailable, or the owning workloads' scale minus maxUnavailable), and so how many disruptions the eviction
 * subresource may allow now, with the DisruptionAllowed condition. A budget it cannot compute (a percentage over
 * pods no scalable workload owns) gets 0 allowed and a SyncFailed reason, failing safe.
 */
export class DisruptionController extends ManagedController {
  readonly #recorder: EventRecorder;

  constructor(opts: DisruptionControllerOptions) {
    super('disruption', opts, 1);
    this.#recorder = opts.recorder;
    const podChanged = (queue: { add(key: string): void }, pod: Pod): void => {
      for (const pdb of this.#budgetsFor(pod)) queue.add(objectKey(pdb));
    };
    this.watch([
      watch.handler(this.informers.poddisruptionbudgets, (queue) => ({
        onAdd: (pdb) => queue.add(objectKey(pdb)),
        onUpdate: (_old, pdb) => queue.add(objectKey(pdb)),
        onDelete: () => {},
      })),
      watch.handler(this.informers.pods, (queue) => ({
        onAdd: (pod) => podChanged(queue, pod),
        onUpdate: (old, pod) => {
          podChanged(queue, pod);
          // Relabelled out of a budget's selector: that budget lost a pod.
          if (!isDeepStrictEqual(old.metadata.labels, pod.metadata.labels)) podChanged(queue, old);
        },
        onDelete: (obj) => podChanged(queue, unwrapTombstone(obj)),
      })),
    ]);
  }

  /** budgetsFor lists the budgets whose selector picks `pod` (a null selector picks nothing). */
  #budgetsFor(pod: Pod): PodDisruptionBudget[] {
    const labels = pod.metadata.labels ?? {};
    return this.informers.poddisruptionbudgets
      .lister()
      .list(pod.metadata.namespace ?? '')
      .filter((pdb) => selectorFromLabelSelector(pdb.spec.selector).matches(labels));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const pdb = this.informers.poddisruptionbudgets.indexer.get(key);
    if (!pdb || pdb.metadata.deletionTimestamp) return {};
    const now = this.clock.now();
    const selector = selectorFromLabelSelector(pdb.spec.selector);
    const pods = this.informers.pods.lister().list(pdb.metadata.namespace ?? '').filter((p) => selector.matches(p.metadata.labels ?? {}));
    if (pods.length === 0) this.#recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');

    let expected: { expectedCount: number; desiredHealthy: number };
    try {
      expected = this.#expectedPodCount(pdb, pods);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${message}`);
      await this.#writeStatus(pdb, { ...zeroStatus(pdb), conditions: nextConditions(pdb, 'False', SYNC_FAILED_REASON, message, now) });
      return {};
    }
    const { disrupted, recheckAtMs } = buildDisruptedPods(pdb, pods, now);
    const currentHealthy = pods.filter((p) => !p.metadata.deletionTimestamp && !disrupted[p.metadata.name ?? ''] && isPodReady(p)).length;
    const allowed = expected.expectedCount <= 0 ? 0 : Math.max(0, currentHealthy - expected.desiredHealthy);
    const status: PodDisruptionBudgetStatus = {
      observedGeneration: pdb.metadata.generation ?? 1,
      disruptionsAllowed: allowed,
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedCount,
      conditions: nextConditions(pdb, allowed > 0 ? 'True' : 'False', allowed > 0 ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON, '', now),
    };
    if (Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
    await this.#writeStatus(pdb, status);
    return recheckAtMs === undefined ? {} : { requeueAfterMs: Math.max(1, recheckAtMs - now) };
  }

  /**
   * expectedPodCount is kube's getExpectedPodCount: an integer minAvailable counts the selected pods; a percentage
   * or maxUnavailable needs the scale of the workloads owning them.
   */
  #expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[]): { expectedCount: number; desiredHealthy: number } {
    const { maxUnavailable, minAvailable } = pdb.spec;
    if (maxUnavailable !== undefined) {
      const expectedCount = this.#expectedScale(pods);
      const unavailable = intOrPercent(maxUnavailable, '0', expectedCount, true);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - unavailable) };
    }
    if (minAvailable === undefined) return { expectedCount: 0, desiredHealthy: 0 };
    if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable };
    const expectedCount = this.#expectedScale(pods);
    return { expectedCount, desiredHealthy: intOrPercent(minAvailable, '0', expectedCount, true) };
  }

  /**
   * expectedScale sums spec.replicas of the workloads controlling the pods, each counted once (kube's finders:
   * a ReplicaSet, or the Deployment owning it, or a StatefulSet). A pod without a controller is left out; one whose controller is not
   * scalable here fails the sync.
   */
  #expectedScale(pods: Pod[]): number {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) continue;
      const ns = pod.metadata.namespace ?? '';
      let found: { uid: string; replicas: number } | undefined;
      if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
        const rs = this.informers.replicasets.indexer.get(`${ns}/${ref.name}`);
        if (rs && rs.metadata.uid === ref.uid) {
          const owner = controllerOf(rs);
          const d = owner?.kind === 'Deployment' ? this.informers.deployments.indexer.get(`${ns}/${owner.name}`) : undefined;
          found = d && d.metadata.uid === owner?.uid ? { uid: d.metadata.uid ?? '', replicas: d.spec.replicas ?? 1 } : { uid: ref.uid, replicas: rs.spec.replicas ?? 1 };
        }
      }
      if (ref.kind === 'StatefulSet' && ref.apiVersion.startsWith('apps/')) {
        const sts = this.informers.statefulsets.indexer.get(`${ns}/${ref.name}`);
        if (sts && sts.metadata.uid === ref.uid) found = { uid: ref.uid, replicas: sts.spec.replicas ?? 1 };
      }
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name)}`);
      scales.set(found.uid, found.replicas);
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  }

  async #writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    if (isDeepStrictEqual(pdb.status, status)) return;
    const next = structuredClone(pdb);
    next.status = status;
    await this.client.poddisruptionbudgets.updateStatus(next);
  }
}

function zeroStatus(pdb: PodDisruptionBudget): PodDisruptionBudgetStatus {
  return { observedGeneration: pdb.metadata.generation ?? 1, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

/** nextConditions sets DisruptionAllowed, keeping its transition time when its status did not change. */
function nextConditions(pdb: PodDisruptionBudget, status: 'True' | 'False', reason: string, message: string, now: number): Condition[] {
  const others = (pdb.status?.conditions ?? []).filter((c) => c.type !== DISRUPTION_ALLOWED_CONDITION);
  const old = pdb.status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : formatTime(now);
  return [...others, { type: DISRUPTION_ALLOWED_CONDITION, status, reason, message, observedGeneration: pdb.metadata.generation ?? 1, lastTransitionTime }];
}

/**
 * buildDisruptedPods keeps the evictions still in flight: entries for pods that exist, are not yet being deleted,
 * and were evicted less than DELETION_TIMEOUT_MS ago; it returns when the oldest kept entry expires.
 */
function buildDisruptedPods(pdb: PodDisruptionBudget, pods: Pod[], now: number): { disrupted: Record<string, string>; recheckAtMs?: number } {
  const old = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  let recheckAtMs: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const at = old[name];
    if (at === undefined || pod.metadata.deletionTimestamp) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expires < now) continue;
    disrupted[name] = at;
    recheckAtMs = recheckAtMs === undefined ? expires : Math.min(recheckAtMs, expires);
  }
  return recheckAtMs === undefined ? { disrupted } : { disrupted, recheckAtMs };
}
