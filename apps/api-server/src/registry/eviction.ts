/**
 * @module pods/eviction: a delete that honours PodDisruptionBudgets (kube-apiserver's EvictionREST,
 * pkg/registry/core/pod/storage/eviction.go).
 */
import {
  ApiError,
  decodeBody,
  DISRUPTION_ALLOWED_CONDITION,
  DISRUPTION_BUDGET_CAUSE,
  DISRUPTION_TARGET,
  errors,
  formatTime,
  INSUFFICIENT_PODS_REASON,
  RESOURCES,
  selectorFromLabelSelector,
  updatePodCondition,
  type DeleteOptions,
  type KubeObject,
  type Pod,
  type PodDisruptionBudget,
} from '@skiff/api';
import type { UserInfo } from '../auth/user-info.js';
import type { Registry } from './registry.js';

/** MAX_DISRUPTED_POD_SIZE bounds status.disruptedPods, as kube does, so unconfirmed evictions cannot pile up. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

const VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";

export interface EvictOptions {
  /** The request's ?dryRun; the Eviction's deleteOptions.dryRun counts too. */
  dryRun?: boolean;
  user?: UserInfo;
  nowMs: number;
}

/**
 * evictPod deletes a pod unless that would break its PodDisruptionBudget: then 429 TooManyRequests with kube's
 * message and a DisruptionBudget cause, which `kubectl drain` retries. An allowed eviction of a healthy pod
 * takes one disruption off the budget and records the pod in status.disruptedPods in the same synchronous write
 * as the delete, so two evictions can never both spend the last allowed disruption.
 */
export function evictPod(registry: Registry, namespace: string, name: string, body: unknown, opts: EvictOptions): void {
  const eviction = decodeBody('Eviction', body, { fieldValidation: 'Ignore' }).object;
  if (eviction.metadata.name && eviction.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  if (eviction.metadata.namespace && eviction.metadata.namespace !== namespace) throw errors.badRequest('namespace in URL does not match namespace in Eviction object');
  const deleteOptions: DeleteOptions = eviction.deleteOptions ?? {};
  const dryRun = opts.dryRun === true || (deleteOptions.dryRun ?? []).includes('All');
  const writeOpts = { dryRun, ...(opts.user ? { user: opts.user } : {}) };
  registry.admitSubresourceCreate(RESOURCES.pods, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } }, writeOpts);
  const pod = registry.get(RESOURCES.pods, namespace, name) as unknown as Pod;
  const deletePod = (): void => addConditionAndDeletePod(registry, pod, deleteOptions, writeOpts, opts.nowMs);

  // A pod that has finished, never started or is already going causes no new disruption.
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return deletePod();

  const labels = pod.metadata.labels ?? {};
  // A null selector selects nothing; an empty one every pod of the namespace (policy/v1).
  const budgets = (registry.list(RESOURCES.poddisruptionbudgets, namespace).items as unknown as PodDisruptionBudget[]).filter(
    (pdb) => selectorFromLabelSelector(pdb.spec.selector).matches(labels),
  );
  if (budgets.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const pdb = budgets[0];
  if (!pdb) return deletePod();

  if (!isPodReady(pod)) {
    // An unhealthy pod does not count toward the budget; it may go while the budget is met (or always, if asked).
    const status = pdb.status;
    if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return deletePod();
    if (status && status.desiredHealthy > 0 && status.currentHealthy >= status.desiredHealthy) return deletePod();
  }
  const next = checkAndDecrement(pdb, name, opts.nowMs, dryRun);
  // Delete first: a refused delete (precondition, admission) must not spend the budget.
  deletePod();
  if (!dryRun) registry.replace(RESOURCES.poddisruptionbudgets, pdb as unknown as KubeObject, next as unknown as KubeObject, { ...writeOpts, subresource: 'status' });
}

/**
 * addConditionAndDeletePod is kube's: the pod gets the DisruptionTarget condition (status True, reason
 * EvictionByEvictionAPI) in a status write before the delete, so it shows while the pod terminates and a Job's
 * podFailurePolicy can tell the eviction from a failure. The delete's own preconditions are checked first, so a
 * refused delete writes nothing, and a resourceVersion one moves on to the version this write made.
 */
function addConditionAndDeletePod(registry: Registry, pod: Pod, deleteOptions: DeleteOptions, writeOpts: { dryRun: boolean; user?: UserInfo }, nowMs: number): void {
  const namespace = pod.metadata.namespace;
  const name = pod.metadata.name ?? '';
  let options = deleteOptions;
  if (!writeOpts.dryRun) {
    const pre = deleteOptions.preconditions;
    if (pre?.uid && pre.uid !== pod.metadata.uid) {
      throw errors.conflict('Pod', '', name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
      throw errors.conflict('Pod', '', name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion}). The object might have been modified`);
    }
    const next = structuredClone(pod);
    updatePodCondition((next.status ??= {}), { type: DISRUPTION_TARGET, status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }, nowMs);
    // The api-server's own write, as kube's eviction updates through its status store with no admission.
    const written = registry.replace(RESOURCES.pods, pod as unknown as KubeObject, next as unknown as KubeObject, { subresource: 'status' });
    if (pre?.resourceVersion) options = { ...deleteOptions, preconditions: { ...pre, resourceVersion: written.metadata.resourceVersion } };
  }
  registry.delete(RESOURCES.pods, namespace, name, options, writeOpts);
}

/** checkAndDecrement is kube's: refuse when the controller is behind or no disruption is left, else spend one. */
function checkAndDecrement(pdb: PodDisruptionBudget, podName: string, nowMs: number, dryRun: boolean): PodDisruptionBudget {
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const pdbName = pdb.metadata.name ?? '';
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
    throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
  }
  if (status.disruptionsAllowed < 0) throw forbidden(pdbName, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw forbidden(pdbName, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(`The disruption budget ${pdbName} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`, 0);
  }
  const next = structuredClone(pdb);
  const s = (next.status = { ...structuredClone(status), disruptionsAllowed: status.disruptionsAllowed - 1 });
  if (s.disruptionsAllowed === 0) {
    const conditions = (s.conditions ??= []).filter((c) => c.type !== DISRUPTION_ALLOWED_CONDITION);
    const old = status.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
    const changed = old?.status !== 'False';
    conditions.push({
      type: DISRUPTION_ALLOWED_CONDITION,
      status: 'False',
      reason: INSUFFICIENT_PODS_REASON,
      message: '',
      observedGeneration: s.observedGeneration ?? 0,
      lastTransitionTime: changed ? formatTime(nowMs) : (old?.lastTransitionTime ?? formatTime(nowMs)),
    });
    s.conditions = conditions;
  }
  if (!dryRun) s.disruptedPods = { ...s.disruptedPods, [podName]: formatTime(nowMs) };
  return next;
}

function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * tooManyRequests is kube's NewTooManyRequests with the DisruptionBudget cause; retryAfterSeconds 0 sends no
 * Retry-After and, as Go's omitempty, no details.retryAfterSeconds.
 */
function tooManyRequests(cause: string, retryAfterSeconds: number): ApiError {
  const causes = [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }];
  return new ApiError({ reason: 'TooManyRequests', message: VIOLATES_BUDGET, details: { causes, ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) } });
}

function forbidden(pdbName: string, why: string): ApiError {
  return new ApiError({
    reason: 'Forbidden',
    message: `poddisruptionbudgets.policy "${pdbName}" is forbidden: ${why}`,
    details: { name: pdbName, group: 'policy', kind: 'poddisruptionbudgets' },
  });
}
