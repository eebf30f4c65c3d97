/**
 * @module SelectorSpread: spread the pods of one owner across nodes (kube's SelectorSpread / default topology spread).
 */
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, ScorePlugin } from '../../framework/plugin.js';
import { MAX_SCORE } from '../../framework/status.js';

/**
 * SelectorSpread counts, on each node, the pods that share the incoming pod's controller owner (its ReplicaSet,
 * say) and scores 100 × (max − count) / max, so replicas land on different nodes and one node failure takes out as
 * few as possible. A pod without a controller owner scores 100 everywhere.
 */
export class SelectorSpread implements ScorePlugin {
  readonly name = 'SelectorSpread';

  score(state: CycleState, node: NodeInfo): number {
    const owner = state.podInfo.ownerUid;
    return owner ? (node.ownerCounts.get(owner) ?? 0) : 0;
  }

  normalize(_state: CycleState, scores: number[]): void {
    let max = 0;
    for (const s of scores) max = Math.max(max, s);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? MAX_SCORE : Math.floor((MAX_SCORE * (max - scores[i]!)) / max);
  }
}
