/**
 * @module nodeAgentEndpoint: where the node agent running a pod listens, as kube-apiserver finds a pod's kubelet
 * (its node's InternalIP and daemonEndpoints.kubeletEndpoint), for the subresources it proxies there.
 */
import { ApiError, errors, RESOURCES, type Node, type Pod } from '@skiff/api';
import type { Registry } from '../registry/registry.js';

/** AgentEndpoint is the address of a pod's node agent. */
export interface AgentEndpoint {
  nodeName: string;
  address: string;
  port: number;
}

/** nodeAgentEndpoint finds the agent of a pod; a pod with no node, a missing node or one without an endpoint is an ApiError. */
export function nodeAgentEndpoint(registry: Registry, pod: Pod): AgentEndpoint {
  const name = pod.metadata.name ?? '';
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  let node: Node;
  try {
    node = registry.get(RESOURCES.nodes, undefined, nodeName) as unknown as Node;
  } catch {
    throw errors.notFound('nodes', '', nodeName);
  }
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? node.status?.addresses?.[0]?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) throw new ApiError({ reason: 'ServiceUnavailable', message: `node ${nodeName} does not report a node agent endpoint` });
  return { nodeName, address, port };
}
