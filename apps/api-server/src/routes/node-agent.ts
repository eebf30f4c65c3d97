/**
 * @module Finding the node agent that runs a pod, for the subresources proxied to it (pods/log, exec, attach), as
 * kube-apiserver finds the kubelet from the pod's node (ResourceLocation).
 */
import { ApiError, errors, RESOURCES, type Node, type Pod } from '@skiff/api';
import type { Registry } from '../registry/registry.js';

/** AgentEndpoint is where a pod's node agent listens. */
export interface AgentEndpoint {
  nodeName: string;
  address: string;
  port: number;
}

/**
 * podContainerName picks the container a request means: the one named (init and ephemeral containers included), or
 * the only one; a 400 names the choices otherwise, in kube's words.
 */
export function podContainerName(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const names = pod.spec.containers.map((c) => c.name);
  if (!requested) {
    if (names.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    return names[0]!;
  }
  const all = [...(pod.spec.initContainers ?? []).map((c) => c.name), ...names, ...(pod.spec.ephemeralContainers ?? []).map((c) => c.name)];
  if (!all.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

export { readBounded } from '../http/upstream-error.js';

/** agentEndpoint finds the node agent of a pod from its node's InternalIP and kubelet endpoint. */
export function agentEndpoint(registry: Registry, pod: Pod): AgentEndpoint {
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name ?? ''} does not have a host assigned`);
  let node: Node;
  try {
    node = registry.get(RESOURCES.nodes, undefined, nodeName) as unknown as Node;
  } catch {
    throw errors.notFound('nodes', '', nodeName);
  }
  return nodeAgentEndpoint(node);
}

/** nodeAgentEndpoint is where a node's agent listens: its InternalIP and kubelet endpoint port; 503 without them. */
export function nodeAgentEndpoint(node: Node): AgentEndpoint {
  const nodeName = node.metadata.name ?? '';
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? node.status?.addresses?.[0]?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) throw new ApiError({ reason: 'ServiceUnavailable', message: `node ${nodeName} does not report a kubelet endpoint` });
  return { nodeName, address, port };
}

/** unreachable is the 503 for an agent that cannot be dialled. */
export function unreachable(agent: AgentEndpoint, err: Error): ApiError {
  return new ApiError({ reason: 'ServiceUnavailable', message: `cannot reach the node agent of ${agent.nodeName} at ${agent.address}:${agent.port}: ${err.message}` });
}
