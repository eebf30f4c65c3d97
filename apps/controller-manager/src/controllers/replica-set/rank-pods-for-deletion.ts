import type { Pod } from '@skiff/api';
import { isPodReady, podReadyCondition, restartCount } from '../../util/pod-state.js';
import { creationMs } from '../../util/sort-by.js';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * compareForDeletion orders pods least valuable first, after kube's controller.ActivePods: unscheduled before
 * scheduled, Pending before Unknown before Running, not ready before ready, ready for less time before longer,
 * more restarts before fewer, newer before older.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const aBound = a.spec.nodeName ? 1 : 0;
  const bBound = b.spec.nodeName ? 1 : 0;
  if (aBound !== bBound) return aBound - bBound;
  const aPhase = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const bPhase = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (aPhase !== bPhase) return aPhase - bPhase;
  const aReady = isPodReady(a) ? 1 : 0;
  const bReady = isPodReady(b) ? 1 : 0;
  if (aReady !== bReady) return aReady - bReady;
  if (aReady && bReady) {
    const at = Date.parse(podReadyCondition(a)?.lastTransitionTime ?? '') || 0;
    const bt = Date.parse(podReadyCondition(b)?.lastTransitionTime ?? '') || 0;
    if (at !== bt) return bt - at;
  }
  const restarts = restartCount(b) - restartCount(a);
  if (restarts !== 0) return restarts;
  return creationMs(b) - creationMs(a) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

/** podsToDelete picks the `count` least valuable pods. */
export function podsToDelete(pods: readonly Pod[], count: number): Pod[] {
  return [...pods].sort(compareForDeletion).slice(0, Math.max(0, count));
}
