/**
 * @module updatePodCondition: set one pod condition as kube's podutil.UpdatePodCondition does, and the
 * DisruptionTarget condition the api-server and controllers add to a pod they are about to delete.
 */
import { formatTime } from './format-time.js';
import type { PodCondition, PodStatus } from './pod.js';

/** DISRUPTION_TARGET is the condition type of a pod about to be deleted by a disruption (kube's v1.DisruptionTarget). */
export const DISRUPTION_TARGET = 'DisruptionTarget';

/**
 * updatePodCondition adds or replaces the condition of `condition.type` in `status`, and says whether anything
 * changed. lastTransitionTime moves only when the status does (it is now's then), as in kube.
 */
export function updatePodCondition(status: PodStatus, condition: Omit<PodCondition, 'lastTransitionTime'>, nowMs: number): boolean {
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === condition.type);
  const old = conditions[i];
  const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : formatTime(nowMs);
  const next: PodCondition = { ...condition, lastTransitionTime };
  if (!old) {
    conditions.push(next);
    return true;
  }
  const changed = old.status !== next.status || old.reason !== next.reason || old.message !== next.message || (old.lastProbeTime ?? null) !== (next.lastProbeTime ?? null);
  if (changed) conditions[i] = next;
  return changed;
}
