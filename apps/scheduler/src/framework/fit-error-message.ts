/**
 * @module fitErrorMessage: kube-scheduler's FitError text (framework/types.go).
 */

/**
 * fitErrorMessage renders "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu."
 * Each node contributes each reason of the filter that rejected it; reasons are counted and, as in kube,
 * sorted as strings ("<count> <reason>").
 */
export function fitErrorMessage(totalNodes: number, reasonsPerNode: Iterable<readonly string[]>): string {
  const histogram = new Map<string, number>();
  for (const reasons of reasonsPerNode) for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort();
  if (totalNodes === 0 || parts.length === 0) return `0/${totalNodes} nodes are available.`;
  return `0/${totalNodes} nodes are available: ${parts.join(', ')}.`;
}
