import { selectorFromLabelSelector, type Pod, type ReplicaSet, type ReplicaSetStatus } from '@skiff/api';
import { isPodAvailable, isPodReady } from '../../util/pod-state.js';

/**
 * calculateReplicaSetStatus counts the active pods a ReplicaSet owns: all of them, those carrying every template
 * label, those Ready, and those Ready for minReadySeconds; observedGeneration records the spec it acted on.
 */
export function calculateReplicaSetStatus(rs: ReplicaSet, activePods: readonly Pod[], terminating: number, nowMs: number): ReplicaSetStatus {
  const templateLabels = selectorFromLabelSelector({ matchLabels: rs.spec.template?.metadata?.labels ?? {} });
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (templateLabels.matches(pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, minReady, nowMs)) available++;
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    terminatingReplicas: terminating,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (rs.status?.conditions?.length) status.conditions = rs.status.conditions;
  return status;
}

/** statusEqual compares the counted fields of two statuses. */
export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    !!a &&
    a.replicas === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas &&
    (a.readyReplicas ?? 0) === b.readyReplicas &&
    (a.availableReplicas ?? 0) === b.availableReplicas &&
    (a.terminatingReplicas ?? 0) === (b.terminatingReplicas ?? 0) &&
    (a.observedGeneration ?? 0) === b.observedGeneration
  );
}
