/**
 * @module NodePorts: host ports must be free on the node (plugins/nodeports).
 */
import type { NodeInfo } from '../../cache/node-info.js';
import type { CycleState, FilterPlugin } from '../../framework/plugin.js';
import { SUCCESS, unschedulable, type Status } from '../../framework/status.js';

/**
 * NodePorts rejects a node where a wanted host port (per protocol) is already claimed. A claim on 0.0.0.0
 * conflicts with every address, and a claim on a specific address conflicts with 0.0.0.0 and itself.
 */
export class NodePorts implements FilterPlugin {
  readonly name = 'NodePorts';

  filter(state: CycleState, node: NodeInfo): Status {
    const wanted = state.podInfo.hostPorts;
    if (wanted.length === 0 || node.usedPorts.size === 0) return SUCCESS;
    for (const want of wanted) {
      const [proto, ip, port] = want.split('/');
      for (const used of node.usedPorts.keys()) {
        const [uProto, uIp, uPort] = used.split('/');
        if (uProto !== proto || uPort !== port) continue;
        if (ip === '0.0.0.0' || uIp === '0.0.0.0' || ip === uIp) return unschedulable("node(s) didn't have free ports for the requested pod ports");
      }
    }
    return SUCCESS;
  }
}
