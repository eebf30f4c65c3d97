/**
 * @module NodeAffinity: nodeSelector and required node affinity as a filter, preferred affinity as a score.
 */
import { nodeSelectorTermMatches } from '@skiff/api';
import type { NodeInfo } from '../../cache/node-info.js';
import { defaultNormalizeScore } from '../../framework/normalize-score.js';
import type { CycleState, FilterPlugin, ScorePlugin } from '../../framework/plugin.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/**
 * NodeAffinity requires every `spec.nodeSelector` label and at least one of the required node selector terms
 * (terms are ORed, expressions within a term ANDed); as a score it sums the weights of matching preferred terms,
 * normalised so the best node gets 100 (plugins/nodeaffinity).
 */
export class NodeAffinity implements FilterPlugin, ScorePlugin {
  readonly name = 'NodeAffinity';

  filter(state: CycleState, node: NodeInfo): Status {
    const n = node.node;
    if (!n) return unresolvable('node(s) not found');
    const labels = n.metadata.labels ?? {};
    for (const [k, v] of Object.entries(state.pod.spec.nodeSelector ?? {})) {
      if (labels[k] !== v) return unresolvable("node(s) didn't match Pod's node affinity/selector");
    }
    const required = state.pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required && !required.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, n))) {
      return unresolvable("node(s) didn't match Pod's node affinity/selector");
    }
    return SUCCESS;
  }

  score(state: CycleState, node: NodeInfo): number {
    const preferred = state.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let sum = 0;
    for (const p of preferred) if (p.weight && node.node && nodeSelectorTermMatches(p.preference, node.node)) sum += p.weight;
    return sum;
  }

  normalize(_state: CycleState, scores: number[]): void {
    defaultNormalizeScore(scores, false);
  }
}
