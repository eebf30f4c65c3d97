/**
 * @module nodePrinter, the columns and row of `kubectl get nodes` (kube printers.go printNode).
 */
import type { KubeObject, Node } from '../index.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, NONE, column, orNone } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

/** nodeStatus is "Ready", "NotReady" or "Unknown" from the Ready condition, plus ",SchedulingDisabled" when cordoned. */
export function nodeStatus(node: Node): string {
  const readyCondition = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** nodeRoles lists the sorted, de-duplicated roles from node-role.kubernetes.io/<role> and kubernetes.io/role labels. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX)) {
      const role = key.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

function address(node: Node, type: 'InternalIP' | 'ExternalIP'): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? NONE;
}

/** nodePrinter prints Name, Status, Roles, Age, Version and, wide, addresses, OS image, kernel and runtime. */
export const nodePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { wide: true }),
    column('External-IP', 'List of addresses reachable to the node.', { wide: true }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { wide: true }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { wide: true }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', {
      wide: true,
    }),
  ],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const node = obj as unknown as Node;
    const info = node.status?.nodeInfo;
    return [
      node.metadata.name ?? '',
      nodeStatus(node),
      orNone(nodeRoles(node).join(',')),
      sinceTimestamp(node.metadata.creationTimestamp, nowMs),
      orNone(info?.kubeletVersion),
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};
