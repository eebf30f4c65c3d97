/**
 * @module nodeAuthorizer: kube's Node authorization mode (plugin/pkg/auth/authorizer/node). It decides only for
 * node identities (`system:node:NAME` in `system:nodes`): the reads and writes kubelet needs (kube's NodeRules),
 * with Secrets, ConfigMaps, PersistentVolumeClaims, PersistentVolumes and ServiceAccount tokens limited to what pods
 * bound to the node reference, and Leases to the node's own in kube-node-lease. As kube 1.32 (AuthorizeNodeWithSelectors),
 * a node reads only its own Node and the pods bound to it (a list or watch with `spec.nodeName=NAME`). Which object
 * a node writes (its own Node, status of its own pods) is NodeRestriction admission's job, as in Kubernetes.
 */
import { ALLOW, NO_OPINION, type Attributes, type Authorizer, type AuthorizerResult } from './authorizer.js';
import type { GraphKind, NodeGraph } from './node-graph.js';
import { NODES_GROUP, nodeNameOf } from './user-info.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const READ = ['get', 'list', 'watch'];

/** A rule of kube's NodeRules(): verbs on resources (with subresource as `pods/status`) of one API group. */
interface Rule {
  group: string;
  resources: string[];
  verbs: string[];
}

/** NODE_RULES are bootstrappolicy.NodeRules() for the resources Skiff serves. */
const NODE_RULES: Rule[] = [
  { group: 'authentication.k8s.io', resources: ['tokenreviews'], verbs: ['create'] },
  { group: 'authorization.k8s.io', resources: ['subjectaccessreviews', 'localsubjectaccessreviews'], verbs: ['create'] },
  { group: '', resources: ['services', 'endpoints'], verbs: READ },
  { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: READ },
  { group: '', resources: ['nodes'], verbs: ['create', 'update', 'patch'] },
  { group: '', resources: ['nodes/status'], verbs: ['update', 'patch'] },
  { group: '', resources: ['events'], verbs: ['create', 'update', 'patch'] },
  { group: 'events.k8s.io', resources: ['events'], verbs: ['create', 'update', 'patch'] },
  { group: '', resources: ['pods'], verbs: ['create', 'delete'] },
  { group: '', resources: ['pods/status'], verbs: ['update', 'patch'] },
  { group: '', resources: ['pods/eviction'], verbs: ['create'] },
  { group: 'certificates.k8s.io', resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch'] },
];

/** Resources whose reads follow the graph: a node reads only what its pods reference. */
const GRAPH_READS: Record<string, GraphKind> = { secrets: 'secrets', configmaps: 'configmaps', persistentvolumeclaims: 'persistentvolumeclaims' };

const noOpinion = (reason: string): AuthorizerResult => ({ decision: 'noOpinion', reason });

/** nodeAuthorizer builds the Node authorizer over a graph of which node's pods use what. */
export function nodeAuthorizer(graph: NodeGraph): Authorizer {
  return {
    authorize(a: Attributes): AuthorizerResult {
      if (!a.user.groups.includes(NODES_GROUP)) return NO_OPINION;
      const node = nodeNameOf(a.user);
      if (!node) return noOpinion(`unknown node for user "${a.user.username}"`);
      if (!a.resourceRequest) return NO_OPINION;
      if (a.apiGroup === '' && GRAPH_READS[a.resource]) return readReferenced(graph, node, GRAPH_READS[a.resource]!, a);
      if (a.apiGroup === '' && a.resource === 'serviceaccounts') return createToken(graph, node, a);
      if (a.apiGroup === '' && a.resource === 'persistentvolumes') return getVolume(graph, node, a);
      if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return lease(node, a);
      if (a.apiGroup === '' && !a.subresource && READ.includes(a.verb) && a.resource === 'nodes') return readNode(node, a);
      if (a.apiGroup === '' && !a.subresource && READ.includes(a.verb) && a.resource === 'pods') return readPod(graph, node, a);
      const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
      const allowed = NODE_RULES.some((r) => r.group === a.apiGroup && r.resources.includes(resource) && r.verbs.includes(a.verb));
      return allowed ? ALLOW : NO_OPINION;
    },
  };
}

/** readReferenced is authorizeReadNamespacedObject: get (or a list/watch of one name) of an object a pod of the node uses. */
function readReferenced(graph: NodeGraph, node: string, kind: GraphKind, a: Attributes): AuthorizerResult {
  if (!READ.includes(a.verb) || (kind === 'persistentvolumeclaims' && a.verb !== 'get')) return noOpinion('can only read resources of this type');
  if (a.subresource) return noOpinion('cannot read subresource');
  if (!a.namespace) return noOpinion('can only read namespaced object of this type');
  return related(graph, node, kind, a);
}

/**
 * getVolume is kube's authorizeGet for PersistentVolumes (a get of a volume its pods' claims are bound to), with
 * Skiff's two more edges: a volume pinned to the node (its local data) and a name no volume has, which is how the
 * node agent finds the data of a deleted reclaim-Delete volume to remove, by name, without listing every volume.
 */
function getVolume(graph: NodeGraph, node: string, a: Attributes): AuthorizerResult {
  if (a.verb !== 'get' || a.subresource) return noOpinion('can only get individual resources of this type');
  if (!a.name) return noOpinion('No Object name found');
  if (!graph.mayGetVolume(node, a.name)) return noOpinion(`no relationship found between node '${node}' and this object`);
  return ALLOW;
}

/** createToken is authorizeCreateToken: a TokenRequest for the ServiceAccount of a pod bound to the node. */
function createToken(graph: NodeGraph, node: string, a: Attributes): AuthorizerResult {
  // Reading the ServiceAccount object itself is allowed on the same graph edge (kubelet reads it for its pods).
  if (a.verb === 'get' && !a.subresource) return related(graph, node, 'serviceaccounts', a);
  if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
  return related(graph, node, 'serviceaccounts', a);
}

function related(graph: NodeGraph, node: string, kind: GraphKind, a: Attributes): AuthorizerResult {
  if (!a.name) return noOpinion('No Object name found');
  if (!graph.uses(node, kind, a.namespace, a.name)) return noOpinion(`no relationship found between node '${node}' and this object`);
  return ALLOW;
}

/** readNode is authorizeNode's read: its own Node only, by name (so it can look before it registers). */
function readNode(node: string, a: Attributes): AuthorizerResult {
  if (a.name === node) return ALLOW;
  return noOpinion(a.name ? `node '${node}' cannot read '${a.name}', only its own Node object` : `node '${node}' cannot read all nodes, only its own Node object`);
}

/** readPod is authorizePod's read: a pod bound to the node, or a list or watch selecting spec.nodeName=NAME. */
function readPod(graph: NodeGraph, node: string, a: Attributes): AuthorizerResult {
  if (a.verb !== 'get' && !a.name) {
    const selectsNode = (a.fieldSelector ?? '').split(',').some((r) => /^spec\.nodeName==?(.*)$/.exec(r.trim())?.[1] === node);
    return selectsNode ? ALLOW : noOpinion('can only list/watch pods with spec.nodeName field selector');
  }
  if (!a.name || !a.namespace) return noOpinion('No Object name found');
  if (graph.nodeOf(a.namespace, a.name) !== node) return noOpinion(`no relationship found between node '${node}' and this object`);
  return ALLOW;
}

/** lease is authorizeLease: the node's own Lease in kube-node-lease. */
function lease(node: string, a: Attributes): AuthorizerResult {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // The name of a create is in the body, not the URL: NodeRestriction checks it.
  if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOW;
}
