/**
 * @module BalancedAllocation: prefer nodes whose cpu and memory would be equally used (NodeResourcesBalancedAllocation).
 */
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, ScorePlugin } from '../../framework/plugin.js';
import { MAX_SCORE } from '../../framework/status.js';

/**
 * BalancedAllocation scores (1 - standard deviation of the cpu and memory fractions) × 100, counting the pod, so
 * a node is not left with idle cpu and exhausted memory (or the reverse). With two resources the standard
 * deviation is half their difference.
 */
export class BalancedAllocation implements ScorePlugin {
  readonly name = 'NodeResourcesBalancedAllocation';

  score(state: CycleState, node: NodeInfo): number {
    const nz = state.podInfo.nonZero;
    const a = node.allocatable;
    if (a.milliCpu <= 0 || a.memory <= 0) return 0;
    const cpu = Math.min(1, (node.nonZeroRequested.milliCpu + nz.milliCpu) / a.milliCpu);
    const mem = Math.min(1, (node.nonZeroRequested.memory + nz.memory) / a.memory);
    const std = Math.abs(cpu - mem) / 2;
    return Math.floor((1 - std) * MAX_SCORE);
  }
}
