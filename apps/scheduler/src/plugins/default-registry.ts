/**
 * @module The default plugin set, weights and queueing hints (plugins/registry.go and the default profile).
 */
import type { FrameworkOptions } from '../framework/framework.js';
import type { ClusterEvent, QueueingHint } from '../queue/scheduling-queue.js';
import { BalancedAllocation } from './balanced-allocation/balanced-allocation.js';
import { InterPodAntiAffinity } from './inter-pod-anti-affinity/inter-pod-anti-affinity.js';
import { NodeAffinity } from './node-affinity/node-affinity.js';
import { NodeName } from './node-name/node-name.js';
import { NodePorts } from './node-ports/node-ports.js';
import { NodeReady } from './node-ready/node-ready.js';
import { NodeResourcesFit, type ScoringStrategy } from './node-resources-fit/node-resources-fit.js';
import { NodeUnschedulable } from './node-unschedulable/node-unschedulable.js';
import { SelectorSpread } from './selector-spread/selector-spread.js';
import { TaintToleration } from './taint-toleration/taint-toleration.js';
import type { VolumeBinding } from './volume-binding/volume-binding.js';

/** DefaultPluginsOptions tunes the default profile. */
export interface DefaultPluginsOptions {
  scoringStrategy?: ScoringStrategy;
  /** VolumeBinding over the scheduler's storage informers; absent, pods' claims are not checked. */
  volumeBinding?: VolumeBinding;
}

/**
 * defaultPlugins builds the default profile: filters in kube's order (cheap node checks first, resources, then
 * the pod-to-pod check that reads the whole snapshot) and scores with kube's default weights.
 */
export function defaultPlugins(opts: DefaultPluginsOptions = {}): Pick<FrameworkOptions, 'filters' | 'scores'> {
  const taints = new TaintToleration();
  const affinity = new NodeAffinity();
  const fit = new NodeResourcesFit(opts.scoringStrategy ?? 'LeastAllocated');
  return {
    filters: [new NodeReady(), new NodeUnschedulable(), new NodeName(), taints, affinity, new NodePorts(), fit, ...(opts.volumeBinding ? [opts.volumeBinding] : []), new InterPodAntiAffinity()],
    scores: [
      { plugin: taints, weight: 3 },
      { plugin: affinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: new BalancedAllocation(), weight: 1 },
      { plugin: new SelectorSpread(), weight: 2 },
    ],
  };
}

/** POD_DELETE_HELPS names the filters that a deleted or finished pod can make pass: it frees resources and ports. */
const POD_DELETE_HELPS = new Set(['NodeResourcesFit', 'NodePorts', 'InterPodAffinity']);

/**
 * defaultQueueingHint: any node change may help (a node added, labelled, untainted, uncordoned, grown, made Ready);
 * a pod going away helps only pods rejected for resources, ports or anti-affinity; a storage change only pods
 * rejected by VolumeBinding.
 */
export const defaultQueueingHint: QueueingHint = (event: ClusterEvent, rejectedBy) => {
  // A claim, volume or class change helps only pods held back by their volumes.
  if (event === 'StorageChange') return rejectedBy.has('VolumeBinding');
  if (event !== 'AssignedPodDelete') return true;
  for (const p of rejectedBy) if (POD_DELETE_HELPS.has(p)) return true;
  return false;
};
