import { toleratesTaint, type Taint, type Toleration } from '@skiff/api';

/** UNREACHABLE_TAINT and NOT_READY_TAINT are the taint keys the node lifecycle controller manages. */
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

/**
 * evictionDeadline says when a pod must leave a node with these NoExecute taints: `now` if some taint is not
 * tolerated, never (undefined) if every matching toleration is unlimited, otherwise the earliest time a bounded
 * toleration runs out, counted from when its taint was added.
 */
export function evictionDeadline(taints: readonly Taint[], tolerations: readonly Toleration[], nowMs: number): number | undefined {
  let deadline: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return nowMs;
    const bounded = matching.filter((t) => t.tolerationSeconds !== undefined && t.tolerationSeconds !== null);
    if (bounded.length < matching.length) continue;
    const seconds = Math.max(0, Math.min(...bounded.map((t) => t.tolerationSeconds!)));
    const added = Date.parse(taint.timeAdded ?? '') || nowMs;
    const at = added + seconds * 1000;
    deadline = deadline === undefined ? at : Math.min(deadline, at);
  }
  return deadline;
}
