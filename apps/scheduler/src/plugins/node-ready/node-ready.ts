/**
 * @module NodeReady: only nodes whose Ready condition is True take new pods.
 */
import { tolerationsTolerateTaint } from '@skiff/api';
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin } from '../../framework/plugin.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/**
 * NodeReady rejects nodes whose Ready condition is not True. Kubernetes leaves this to the node lifecycle
 * controller's not-ready/unreachable taints; Skiff checks the condition too, so a node whose agent died is avoided
 * even before the controller taints it. A pod that tolerates `node.kubernetes.io/not-ready:NoSchedule` (as
 * DaemonSet pods do) is let through, as the taint would let it through.
 */
export class NodeReady implements FilterPlugin {
  readonly name = 'NodeReady';

  filter(state: CycleState, node: NodeInfo): Status {
    if (node.ready) return SUCCESS;
    if (tolerationsTolerateTaint(state.pod.spec.tolerations, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' })) return SUCCESS;
    return unresolvable('node(s) were not ready');
  }
}
