import { toleratesTaint, type Taint, type Toleration } from '@skiff/api';

/** UNREACHABLE_TAINT and NOT_READY_TAINT are the taint keys the node lifecycle controller manages. */
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

/**
 * evictionDeadline says when a pod must leave a node with these NoExecute taints: `now` if some taint is not
 * tolerated, never (undefined) if every matching toleration is unlimited, otherwise when the shortest bounded
 * toleration runs out, counted from `sinceMs`: the time this controller first saw the pod under such taints, not the
 * taint's timeAdded (kube's taint manager counts from its own clock, so a controller-manager restarted long after a
 * taint was added still gives pods their whole toleration instead of evicting them at once).
 */
export function evictionDeadline(taints: readonly Taint[], tolerations: readonly Toleration[], nowMs: number, sinceMs = nowMs): number | undefined {
  let seconds: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return nowMs;
    const bounded = matching.filter((t) => t.tolerationSeconds !== undefined && t.tolerationSeconds !== null);
    if (bounded.length < matching.length) continue;
    seconds = Math.min(seconds ?? Infinity, ...bounded.map((t) => Math.max(0, t.tolerationSeconds!)));
  }
  return seconds === undefined ? undefined : sinceMs + seconds * 1000;
}
