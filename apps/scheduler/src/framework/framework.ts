/**
 * @module Framework: one scheduling cycle's filter, score and select (schedule_one.go schedulePod).
 */
import type { Pod } from '@skiff/api';
import { newPodInfo, type NodeInfo } from '../cache/node-info.js';
import type { Snapshot } from '../cache/snapshot.js';
import { MAX_NAMED_NODES, type FilterRejection, type NodeScore, type PluginScore, type SchedulingDecision } from '../decision/scheduling-decision.js';
import { fitErrorMessage } from './fit-error-message.js';
import { CycleState, type FilterPlugin, type WeightedScorePlugin } from './plugin.js';
import { MAX_SCORE, MIN_SCORE, type Status } from './status.js';

/** FrameworkOptions lists the plugins, in the order filters run, and how many nodes to examine. */
export interface FrameworkOptions {
  filters: FilterPlugin[];
  scores: WeightedScorePlugin[];
  /**
   * Percentage of nodes to find feasible before scoring; 0 (the default) is kube's adaptive rule: all nodes
   * below 100, otherwise 50% minus 1% per 125 nodes, at least 5% and at least 100 nodes.
   */
  percentageOfNodesToScore?: number;
  /** Breaks ties between equal best scores; injectable for deterministic tests. */
  random?: () => number;
}

/** ScheduleResult is the outcome of one cycle: the chosen node, or none with the diagnosis. */
export type ScheduleResult =
  | { fit: true; node: string; decision: SchedulingDecision }
  | { fit: false; decision: SchedulingDecision; rejectedBy: Set<string> };

const MIN_FEASIBLE_NODES = 100;

/**
 * Framework runs the filter plugins over the snapshot's nodes (starting where the last cycle stopped, so large
 * clusters are sampled evenly), scores the feasible ones, and picks the best, recording a SchedulingDecision
 * either way. It is synchronous and pure with respect to the snapshot, so it can be tested without I/O.
 */
export class Framework {
  readonly #opts: FrameworkOptions;
  readonly #random: () => number;
  #nextStart = 0;

  constructor(opts: FrameworkOptions) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
  }

  /** numFeasibleNodesToFind is kube's adaptive sample size for a cluster of `all` nodes. */
  numFeasibleNodesToFind(all: number): number {
    if (all < MIN_FEASIBLE_NODES) return all;
    let pct = this.#opts.percentageOfNodesToScore ?? 0;
    if (pct <= 0) pct = Math.max(5, 50 - Math.floor(all / 125));
    if (pct >= 100) return all;
    return Math.max(MIN_FEASIBLE_NODES, Math.floor((all * pct) / 100));
  }

  /** schedule runs one cycle for `pod` (attempt number `attempt`) against `snapshot`. */
  schedule(pod: Pod, snapshot: Snapshot, attempt = 1): ScheduleResult {
    const state = new CycleState(pod, newPodInfo(pod), snapshot);
    const nodes = snapshot.nodes;
    const total = nodes.length;
    const want = this.numFeasibleNodesToFind(total);
    const feasible: NodeInfo[] = [];
    const failed = new Map<string, Status>();
    let evaluated = 0;
    const start = total > 0 ? this.#nextStart % total : 0;
    for (let i = 0; i < total && feasible.length < want; i++) {
      const node = nodes[(start + i) % total]!;
      evaluated++;
      const status = this.#runFilters(state, node);
      if (status) failed.set(node.name, status);
      else feasible.push(node);
    }
    if (total > 0) this.#nextStart = (start + evaluated) % total;

    const filtered = rejections(failed);
    if (feasible.length === 0) {
      const message = fitErrorMessage(total, [...failed.values()].map((s) => s.reasons));
      const rejectedBy = new Set([...failed.values()].map((s) => s.plugin ?? ''));
      return {
        fit: false,
        rejectedBy,
        decision: { result: 'Unschedulable', attempt, nodes: { total, evaluated, feasible: 0 }, filtered, message },
      };
    }

    const scores = this.#score(state, feasible);
    const [best, runnerUp] = this.#select(scores.totals);
    const decision: SchedulingDecision = {
      result: 'Scheduled',
      attempt,
      nodes: { total, evaluated, feasible: feasible.length },
      selected: nodeScore(feasible, scores, best),
      filtered,
    };
    if (runnerUp >= 0) decision.runnerUp = nodeScore(feasible, scores, runnerUp);
    return { fit: true, node: feasible[best]!.name, decision };
  }

  #runFilters(state: CycleState, node: NodeInfo): Status | undefined {
    for (const f of this.#opts.filters) {
      const s = f.filter(state, node);
      if (s.code !== 'Success') return { ...s, plugin: f.name };
    }
    return undefined;
  }

  /**
   * #score runs every score plugin over the feasible nodes into one array per plugin and a total per node; only the
   * winner's and the runner-up's breakdowns become objects (in the decision), not one per node and plugin.
   */
  #score(state: CycleState, nodes: NodeInfo[]): Scores {
    const totals = new Float64Array(nodes.length);
    const plugins: Scores['plugins'] = [];
    for (const { plugin, weight } of this.#opts.scores) {
      plugin.preScore?.(state, nodes);
      const scores = new Array<number>(nodes.length);
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, nodes[i]!);
      plugin.normalize?.(state, scores);
      for (let i = 0; i < nodes.length; i++) {
        const s = Math.max(MIN_SCORE, Math.min(MAX_SCORE, Math.round(scores[i] ?? 0)));
        scores[i] = s;
        totals[i] = totals[i]! + s * weight;
      }
      plugins.push({ name: plugin.name, weight, scores });
    }
    return { totals, plugins };
  }

  /**
   * #select returns the index of the best total (ties broken at random, like kube's selectHost) and of the best of
   * the rest (-1 when there is none).
   */
  #select(totals: Float64Array): [number, number] {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.#random() * ties < 1) best = i;
      }
    }
    let runnerUp = -1;
    for (let i = 0; i < totals.length; i++) if (i !== best && (runnerUp < 0 || totals[i]! > totals[runnerUp]!)) runnerUp = i;
    return [best, runnerUp];
  }
}

/** Scores are one cycle's normalised scores: per plugin (by node index) and the weighted total per node. */
interface Scores {
  totals: Float64Array;
  plugins: Array<{ name: string; weight: number; scores: number[] }>;
}

/** nodeScore is the decision's breakdown for the node at index `i`. */
function nodeScore(nodes: NodeInfo[], scores: Scores, i: number): NodeScore {
  const plugins: Record<string, PluginScore> = {};
  for (const p of scores.plugins) plugins[p.name] = { score: p.scores[i]!, weight: p.weight };
  return { node: nodes[i]!.name, total: scores.totals[i]!, plugins };
}

function rejections(failed: Map<string, Status>): FilterRejection[] {
  const byKey = new Map<string, FilterRejection>();
  for (const [node, status] of failed) {
    for (const reason of status.reasons) {
      const plugin = status.plugin ?? '';
      const key = `${plugin}\u0000${reason}`;
      let r = byKey.get(key);
      if (!r) byKey.set(key, (r = { plugin, reason, count: 0, nodes: [] }));
      r.count++;
      if (r.nodes.length < MAX_NAMED_NODES) r.nodes.push(node);
    }
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}
