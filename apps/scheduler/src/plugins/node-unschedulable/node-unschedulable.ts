/**
 * @module NodeUnschedulable: cordoned nodes take no new pods (plugins/nodeunschedulable).
 */
import { tolerationsTolerateTaint } from '@skiff/api';
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin } from '../../framework/plugin.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/** NodeUnschedulable rejects nodes with spec.unschedulable, unless the pod tolerates the unschedulable taint. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = 'NodeUnschedulable';

  filter(state: CycleState, node: NodeInfo): Status {
    if (!node.node?.spec?.unschedulable) return SUCCESS;
    if (tolerationsTolerateTaint(state.pod.spec.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return SUCCESS;
    return unresolvable('node(s) were unschedulable');
  }
}
