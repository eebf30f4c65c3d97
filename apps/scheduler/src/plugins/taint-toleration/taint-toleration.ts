/**
 * @module TaintToleration: filter on NoSchedule/NoExecute taints, score on PreferNoSchedule (plugins/tainttoleration).
 */
import { tolerationsTolerateTaint } from '@skiff/api';
import type { NodeInfo } from '../../cache/node-info.js';
import { defaultNormalizeScore } from '../../framework/normalize-score.js';
import type { CycleState, FilterPlugin, ScorePlugin } from '../../framework/plugin.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/**
 * TaintToleration rejects a node with a NoSchedule or NoExecute taint the pod does not tolerate, naming the first
 * such taint as kube does ("node(s) had untolerated taint {key: value}"); as a score it prefers nodes with fewer
 * untolerated PreferNoSchedule taints.
 */
export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = 'TaintToleration';

  filter(state: CycleState, node: NodeInfo): Status {
    const tolerations = state.pod.spec.tolerations;
    for (const taint of node.node?.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerationsTolerateTaint(tolerations, taint)) return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
    }
    return SUCCESS;
  }

  score(state: CycleState, node: NodeInfo): number {
    const preferNoSchedule = (state.pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    let n = 0;
    for (const taint of node.node?.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(preferNoSchedule, taint)) n++;
    }
    return n;
  }

  normalize(_state: CycleState, scores: number[]): void {
    defaultNormalizeScore(scores, true);
  }
}
