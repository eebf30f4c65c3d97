/**
 * @module NodeName: a pod that names its node may go only there (plugins/nodename).
 */
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin } from '../../framework/plugin.js';
import { SUCCESS, unresolvable, type Status } from '../../framework/status.js';

/**
 * NodeName matters for pods that reach the scheduler with a nodeName they could not be bound to by other means;
 * pods created with spec.nodeName are normally bound already and never queued.
 */
export class NodeName implements FilterPlugin {
  readonly name = 'NodeName';

  filter(state: CycleState, node: NodeInfo): Status {
    const want = state.pod.spec.nodeName;
    if (!want || want === node.name) return SUCCESS;
    return unresolvable("node(s) didn't match the requested node name");
  }
}
