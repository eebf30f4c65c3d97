import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from '@skiff/api';
import { resolveFenceposts, specReplicas, statusCount } from './deployment-util.js';

/** Condition reasons kube's deployment controller uses, which `kubectl rollout status` and people read. */
export const REASONS = {
  newRSCreated: 'NewReplicaSetCreated',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** getCondition returns the condition of the given type. */
export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * setCondition replaces the condition of the same type; lastTransitionTime is kept when the status did not change,
 * and nothing changes at all when status and reason are the same (so steady state writes nothing).
 */
export function setCondition(status: DeploymentStatus, cond: Omit<DeploymentCondition, 'lastUpdateTime' | 'lastTransitionTime'>, now: string): void {
  const conditions = status.conditions ?? [];
  const current = conditions.find((c) => c.type === cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next: DeploymentCondition = {
    ...cond,
    lastUpdateTime: now,
    lastTransitionTime: current && current.status === cond.status ? (current.lastTransitionTime ?? now) : now,
  };
  status.conditions = [...conditions.filter((c) => c.type !== cond.type), next];
}

/**
 * calculateStatus sums the ReplicaSets' counts into the Deployment's status and sets Available, true once at
 * least replicas - maxUnavailable pods are available.
 */
export function calculateStatus(d: Deployment, newRS: ReplicaSet | undefined, allRSs: readonly ReplicaSet[], now: string): DeploymentStatus {
  const available = statusCount(allRSs, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: statusCount(allRSs, 'replicas'),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: statusCount(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (d.status?.collisionCount) status.collisionCount = d.status.collisionCount;
  const { maxUnavailable } = resolveFenceposts(d);
  if (available >= (d.spec.replicas ?? 1) - maxUnavailable) {
    setCondition(status, { type: 'Available', status: 'True', reason: REASONS.minAvailable, message: 'Deployment has minimum availability.' }, now);
  } else {
    setCondition(status, { type: 'Available', status: 'False', reason: REASONS.minUnavailable, message: 'Deployment does not have minimum availability.' }, now);
  }
  return status;
}

/** isComplete is what `kubectl rollout status` waits for: every replica updated and available, nothing old left. */
export function isComplete(d: Deployment, status: DeploymentStatus): boolean {
  const want = d.spec.replicas ?? 1;
  return status.updatedReplicas === want && status.replicas === want && status.availableReplicas === want && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** hasProgressed is true when the new status shows rollout progress over the old one. */
export function hasProgressed(old: DeploymentStatus | undefined, next: DeploymentStatus): boolean {
  const oldOld = (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    newOld < oldOld ||
    (next.updatedReplicas ?? 0) > (old?.updatedReplicas ?? 0) ||
    (next.readyReplicas ?? 0) > (old?.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old?.availableReplicas ?? 0)
  );
}

/** statusChanged compares two statuses field by field, conditions included. */
export function statusChanged(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return JSON.stringify(normalize(a ?? {})) !== JSON.stringify(normalize(b));
}

function normalize(s: DeploymentStatus): unknown {
  const conditions = [...(s.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type));
  return [s.observedGeneration ?? 0, s.replicas ?? 0, s.updatedReplicas ?? 0, s.readyReplicas ?? 0, s.availableReplicas ?? 0, s.unavailableReplicas ?? 0, s.collisionCount ?? 0, conditions];
}
