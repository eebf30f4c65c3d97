/**
 * @module SchedulingDecision: the "why this node?" / "why pending?" record the pod carries as an annotation.
 */

/** DECISION_ANNOTATION is the pod annotation holding the JSON SchedulingDecision of the latest attempt. */
export const DECISION_ANNOTATION = 'skiff.dev/scheduling-decision';

/** PluginScore is one plugin's normalised score (0..100) on a node and its weight in the total. */
export interface PluginScore {
  score: number;
  weight: number;
}

/** NodeScore is a node's total (sum of score × weight) and its breakdown by plugin. */
export interface NodeScore {
  node: string;
  total: number;
  plugins: Record<string, PluginScore>;
}

/** FilterRejection says that `plugin` rejected `count` nodes for `reason`; `nodes` names up to a handful. */
export interface FilterRejection {
  plugin: string;
  reason: string;
  count: number;
  nodes: string[];
}

/**
 * SchedulingDecision records one attempt: how many nodes were considered, the winner and the runner-up with their
 * score breakdowns, and which filter rejected which nodes. It is what `kubectl describe pod` shows as the
 * `skiff.dev/scheduling-decision` annotation, the structured form of the Scheduled / FailedScheduling event text.
 */
export interface SchedulingDecision {
  result: 'Scheduled' | 'Unschedulable';
  /** Number of this attempt for the pod (1 for the first). */
  attempt: number;
  nodes: { total: number; evaluated: number; feasible: number };
  selected?: NodeScore;
  runnerUp?: NodeScore;
  filtered: FilterRejection[];
  /** The FailedScheduling message, for unschedulable pods. */
  message?: string;
}

/** MAX_NAMED_NODES caps the node names listed per rejection, so the annotation stays small in big clusters. */
export const MAX_NAMED_NODES = 5;

/** formatNodeScore renders "node-a (score 312: NodeResourcesFit 90×1, TaintToleration 100×3)". */
export function formatNodeScore(s: NodeScore): string {
  const parts = Object.entries(s.plugins).map(([name, p]) => `${name} ${p.score}×${p.weight}`);
  return `${s.node} (score ${s.total}: ${parts.join(', ')})`;
}

/**
 * scheduledMessage is the Scheduled event text: kube's "Successfully assigned ns/pod to node", followed by the
 * winner's and the runner-up's score breakdowns.
 */
export function scheduledMessage(namespace: string, name: string, d: SchedulingDecision): string {
  const sel = d.selected;
  if (!sel) return `Successfully assigned ${namespace}/${name}`;
  let msg = `Successfully assigned ${namespace}/${name} to ${sel.node}; chosen ${formatNodeScore(sel)}`;
  msg += d.runnerUp ? `; runner-up ${formatNodeScore(d.runnerUp)}` : '; no runner-up';
  msg += `; ${d.nodes.feasible}/${d.nodes.evaluated} evaluated nodes fit (${d.nodes.total} total).`;
  return msg;
}
