/**
 * @module Job pod tracking with finalizers, as kube's job controller does since 1.26: every Job pod carries
 * JOB_TRACKING_FINALIZER, so a finished pod cannot vanish (pod GC, a user's delete) before the controller counted
 * it. A finished pod's UID goes to status.uncountedTerminatedPods first, then its finalizer is removed, then it
 * moves into status.succeeded or status.failed: a crash at any step neither loses nor double-counts it.
 */
import { isNotFound, type Pod } from '@skiff/api';
import type { ControllerClient } from '../../controller-client.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export const hasTrackingFinalizer = (pod: Pod): boolean => pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

/**
 * FinalizerRemovals remembers the pods whose finalizer was removed but whose update the informer has not shown yet
 * (kube's finalizer expectations): their cached copy still has the finalizer and must not be counted again.
 */
export class FinalizerRemovals {
  readonly #pending = new Set<string>();

  expect(uid: string): void {
    this.#pending.add(uid);
  }

  /** cancel drops an expectation whose removal failed: the pod still holds the finalizer. */
  cancel(uid: string): void {
    this.#pending.delete(uid);
  }

  /** size is how many removals are still unobserved. */
  get size(): number {
    return this.#pending.size;
  }

  pending(uid: string): boolean {
    return this.#pending.has(uid);
  }

  /** observe clears a pod once the cache shows it without the finalizer, or gone. */
  observe(pod: Pod, deleted = false): void {
    const uid = pod.metadata.uid ?? '';
    if (deleted || !hasTrackingFinalizer(pod)) this.#pending.delete(uid);
  }
}

/**
 * removeTrackingFinalizer takes the finalizer off a pod with a strategic merge patch (other finalizers stay, no
 * resourceVersion race with the node agent's status writes). It resolves true when the pod no longer holds it,
 * including when the pod is already gone.
 */
export async function removeTrackingFinalizer(client: ControllerClient, pod: Pod): Promise<boolean> {
  try {
    await client.pods.patch(pod.metadata.name ?? '', { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, { namespace: pod.metadata.namespace, type: 'strategic' });
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}
