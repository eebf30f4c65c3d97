/**
 * @module Plugin interfaces, after kube-scheduler framework/interface.go.
 */
import type { Pod } from '@skiff/api';
import type { NodeInfo, PodInfo } from '../cache/node-info.js';
import type { Snapshot } from '../cache/snapshot.js';
import type { Status } from './status.js';

/**
 * CycleState carries one scheduling cycle's data between a plugin's pre-step and its per-node calls, so work
 * that depends only on the pod (parsing requests, building selectors) happens once, not once per node.
 */
export class CycleState {
  readonly data = new Map<string, unknown>();
  constructor(
    readonly pod: Pod,
    readonly podInfo: PodInfo,
    readonly snapshot: Snapshot,
  ) {}

  /** read returns a plugin's cycle data, computing and storing it on first use. */
  read<T>(key: string, make: () => T): T {
    if (this.data.has(key)) return this.data.get(key) as T;
    const value = make();
    this.data.set(key, value);
    return value;
  }
}

/** Plugin is anything with a name; what else it can do is declared by the interfaces below. */
export interface Plugin {
  readonly name: string;
}

/** FilterPlugin rules nodes out; it returns a Status and never throws for an expected "does not fit". */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, node: NodeInfo): Status;
}

/** ScorePlugin ranks feasible nodes; raw scores are normalised to 0..100 before weighting. */
export interface ScorePlugin extends Plugin {
  /** preScore sees every feasible node once before scoring, e.g. to find the largest count to normalise by. */
  preScore?(state: CycleState, nodes: readonly NodeInfo[]): void;
  score(state: CycleState, node: NodeInfo): number;
  /** normalize rewrites the raw scores in place into 0..100; absent means the raw scores already are. */
  normalize?(state: CycleState, scores: number[]): void;
}

/** WeightedScorePlugin pairs a score plugin with its weight in the total. */
export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** isFilterPlugin narrows a plugin to FilterPlugin. */
export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}
