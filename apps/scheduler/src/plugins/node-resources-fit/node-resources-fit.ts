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
    const req = state.podInfo.requests;
    const alloc = node.allocatable;
    const used = node.requested;
    const tooMany = node.pods.size + 1 > alloc.pods;
    const cpu = req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu;
    const memory = req.memory > 0 && req.memory > alloc.memory - used.memory;
    let scalars = false;
    for (const name in req.scalars) {
      const want = req.scalars[name]!;
      if (want > 0 && want > (alloc.scalars[name] ?? 0) - (used.scalars[name] ?? 0)) scalars = true;
    }
    // Every node of every cycle passes through here: build nothing unless the pod does not fit.
    if (!tooMany && !cpu && !memory && !scalars) return SUCCESS;
    const reasons: string[] = [];
    if (tooMany) reasons.push('Too many pods');
    if (cpu) reasons.push('Insufficient cpu');
    if (memory) reasons.push('Insufficient memory');
    for (const [name, want] of Object.entries(req.scalars)) {
      if (want > 0 && want > (alloc.scalars[name] ?? 0) - (used.scalars[name] ?? 0)) reasons.push(`Insufficient ${name}`);
    }
    return unschedulable(...reasons);
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
