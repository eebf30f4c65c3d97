import type { Node, Pod } from '@skiff/api';
import { NodeInfo, newPodInfo } from '../cache/node-info.js';
import type { Snapshot } from '../cache/snapshot.js';
import { CycleState } from '../framework/plugin.js';

export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const info = new NodeInfo(node.metadata.name!, node);
  for (const p of pods) info.addPod(newPodInfo({ ...p, spec: { ...p.spec, nodeName: node.metadata.name! } }));
  return info;
}

export function snapshotOf(nodes: NodeInfo[]): Snapshot {
  return { nodes, get: (n) => nodes.find((x) => x.name === n) };
}

export function stateFor(pod: Pod, nodes: NodeInfo[] = []): CycleState {
  return new CycleState(pod, newPodInfo(pod), snapshotOf(nodes));
}
