import { isPodTerminal, type Pod } from '@skiff/api';

/** isPodActive is true for pods that count toward a replica count: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/** isPodTerminating is true for a pod marked for deletion that has not finished. */
export function isPodTerminating(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp && !isPodTerminal(pod);
}

/** podReadyCondition returns the pod's Ready condition, if any. */
export function podReadyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** isPodReady is true when the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * isPodAvailable is true when the pod has been ready for at least minReadySeconds, measured from the Ready
 * condition's lastTransitionTime (apps/v1 availability).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = podReadyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** restartCount sums the restarts of the pod's containers. */
export function restartCount(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}
