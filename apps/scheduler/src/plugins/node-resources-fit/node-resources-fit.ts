/**
 * @module NodeResourcesFit: requests must fit allocatable; scored least- or most-allocated (plugins/noderesources).
 */
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin, ScorePlugin } from '../../framework/plugin.js';
import { MAX_SCORE, SUCCESS, unschedulable, type Status } from '../../framework/status.js';

/** ScoringStrategy picks how NodeResourcesFit ranks nodes: spread load (Least) or pack it (Most). */
export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

/**
 * NodeResourcesFit rejects a node when the pod's cpu, memory or other requests exceed what is left of the node's
 * allocatable after its bound and assumed pods, or when the node already runs its maximum number of pods. Reasons
 * are kube's ("Insufficient cpu", "Too many pods"), one per short resource. Its score uses the non-zero requests
 * (100m / 200Mi for containers that ask for nothing), with cpu and memory weighted equally.
 */
export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = 'NodeResourcesFit';

  constructor(readonly strategy: ScoringStrategy = 'LeastAllocated') {}

  filter(state: CycleState, node: NodeInfo): Status {
    const reasons: string[] = [];
    if (node.pods.size + 1 > node.allocatable.pods) reasons.push('Too many pods');
    const req = state.podInfo.requests;
    if (req.milliCpu > 0 && req.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) reasons.push('Insufficient cpu');
    if (req.memory > 0 && req.memory > node.allocatable.memory - node.requested.memory) reasons.push('Insufficient memory');
    for (const [name, want] of Object.entries(req.scalars)) {
      if (want > 0 && want > (node.allocatable.scalars[name] ?? 0) - (node.requested.scalars[name] ?? 0)) reasons.push(`Insufficient ${name}`);
    }
    return reasons.length === 0 ? SUCCESS : unschedulable(...reasons);
  }

  score(state: CycleState, node: NodeInfo): number {
    const nz = state.podInfo.nonZero;
    const cpu = resourceScore(node.nonZeroRequested.milliCpu + nz.milliCpu, node.allocatable.milliCpu, this.strategy);
    const mem = resourceScore(node.nonZeroRequested.memory + nz.memory, node.allocatable.memory, this.strategy);
    return Math.floor((cpu + mem) / 2);
  }
}

function resourceScore(requested: number, capacity: number, strategy: ScoringStrategy): number {
  if (capacity <= 0) return 0;
  if (strategy === 'MostAllocated') return requested > capacity ? MAX_SCORE : Math.floor((requested * MAX_SCORE) / capacity);
  if (requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_SCORE) / capacity);
}
