import type { Deployment, ReplicaSet } from '@skiff/api';
import { byCreation } from '../../util/sort-by.js';
import { resolveFenceposts, specReplicas } from './deployment-util.js';

/**
 * newReplicaSetTarget is the size the new ReplicaSet may grow to now: up to spec.replicas, without the total of
 * all ReplicaSets exceeding replicas + maxSurge. A ReplicaSet counts at the larger of its spec and its live pods
 * (status.replicas): one just scaled down still has its pods until its controller deletes them, and growing the new
 * one into that room at once would put more than replicas + maxSurge pods up together (kube counts spec only and
 * overshoots when both ReplicaSets sync at the same moment, as after a controller-manager restart).
 */
export function newReplicaSetTarget(d: Deployment, newRS: ReplicaSet, allRSs: readonly ReplicaSet[]): number {
  const want = d.spec.replicas ?? 1;
  const current = newRS.spec.replicas ?? 0;
  if (current >= want) return want;
  const { maxSurge } = resolveFenceposts(d);
  const total = allRSs.reduce((n, rs) => n + Math.max(rs.spec.replicas ?? 0, rs.status?.replicas ?? 0), 0);
  const room = want + maxSurge - total;
  if (room <= 0) return current;
  return current + Math.min(room, want - current);
}

/**
 * oldReplicaSetTargets plans how far old ReplicaSets may shrink now without fewer than replicas - maxUnavailable
 * pods being available: first their unavailable pods (which cost nothing), then available ones, oldest first.
 * It returns the new size of each old ReplicaSet that should shrink.
 */
export function oldReplicaSetTargets(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Map<ReplicaSet, number> {
  const targets = new Map<ReplicaSet, number>();
  if (specReplicas(oldRSs) === 0) return targets;
  const allRSs = newRS ? [newRS, ...oldRSs] : [...oldRSs];
  const { maxUnavailable } = resolveFenceposts(d);
  const minAvailable = (d.spec.replicas ?? 1) - maxUnavailable;
  const newUnavailable = newRS ? Math.max(0, (newRS.spec.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0)) : 0;
  const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return targets;
  const sorted = [...oldRSs].sort(byCreation);
  let budget = maxScaledDown;
  for (const rs of sorted) {
    if (budget <= 0) break;
    const size = rs.spec.replicas ?? 0;
    const unhealthy = size - (rs.status?.availableReplicas ?? 0);
    if (size === 0 || unhealthy <= 0) continue;
    const down = Math.min(budget, unhealthy);
    targets.set(rs, size - down);
    budget -= down;
  }
  // A ReplicaSet's status can lag its spec: pods above spec.replicas are being deleted, so they must not count as
  // available, or two quick syncs would scale down twice for one ready pod and drop below minAvailable.
  let available = 0;
  for (const rs of allRSs) available += Math.min(targets.get(rs) ?? rs.spec.replicas ?? 0, rs.status?.availableReplicas ?? 0);
  let scaleDown = available - minAvailable;
  for (const rs of sorted) {
    if (scaleDown <= 0) break;
    const size = targets.get(rs) ?? rs.spec.replicas ?? 0;
    if (size === 0) continue;
    const down = Math.min(size, scaleDown);
    targets.set(rs, size - down);
    scaleDown -= down;
  }
  return targets;
}

/**
 * proportionalTargets spreads a change of spec.replicas in the middle of a rollout over every active ReplicaSet in
 * proportion to its size (kube's proportional scaling), so a scale-up does not all land on one template. Growth
 * goes newest first, shrinking largest first; the rounding leftover goes to the first in that order.
 */
export function proportionalTargets(d: Deployment, active: readonly ReplicaSet[]): Map<ReplicaSet, number> {
  const targets = new Map<ReplicaSet, number>();
  const want = d.spec.replicas ?? 1;
  const { maxSurge } = resolveFenceposts(d);
  const allowed = want > 0 ? want + maxSurge : 0;
  const total = specReplicas(active);
  const toAdd = allowed - total;
  if (toAdd === 0 || total === 0) return targets;
  const sorted = [...active].sort((a, b) => (toAdd > 0 ? -byCreation(a, b) : (b.spec.replicas ?? 0) - (a.spec.replicas ?? 0) || -byCreation(a, b)));
  let distributed = 0;
  for (const rs of sorted) {
    const size = rs.spec.replicas ?? 0;
    let share = toAdd > 0 ? Math.floor((size * toAdd) / total) : Math.ceil((size * toAdd) / total);
    if (Math.abs(distributed + share) > Math.abs(toAdd)) share = toAdd - distributed;
    distributed += share;
    targets.set(rs, size + share);
  }
  const first = sorted[0];
  if (first && distributed !== toAdd) targets.set(first, Math.max(0, (targets.get(first) ?? 0) + toAdd - distributed));
  for (const [rs, n] of targets) targets.set(rs, Math.max(0, n));
  return targets;
}
