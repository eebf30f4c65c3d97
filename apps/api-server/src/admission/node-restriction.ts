/**
 * @module nodeRestriction: kube's NodeRestriction admission plugin. The Node authorizer lets a node write Nodes,
 * pods and Leases at all; this decides which ones: its own Node (without touching its taints or labels it may
 * not set), status, eviction and deletion of pods bound to it, mirror pods for itself that reference no other API
 * object, its own Lease, and tokens only bound to a pod bound to it.
 */
import { ApiError, errors, groupResource, isMirrorPod, MIRROR_POD_ANNOTATION, podReferences, type Node, type OwnerReference, type Pod } from '@skiff/api';
import { NODES_GROUP, nodeNameOf } from '../auth/user-info.js';
import { NODE_LEASE_NAMESPACE } from '../auth/node-authorizer.js';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';

/** Labels kubelet sets itself (kubeletapis.IsKubeletLabel): a node may set these, and any other non-kube label. */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
  'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region', 'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const NODE_RESTRICTION_NAMESPACE = 'node-restriction.kubernetes.io';

const labelNamespace = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const within = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** forbiddenLabel is getForbiddenLabels for one label: node-restriction ones, and kube's own not kubelet's. */
export function forbiddenLabel(key: string): boolean {
  const ns = labelNamespace(key);
  if (within(ns, NODE_RESTRICTION_NAMESPACE)) return true;
  const kubernetes = within(ns, 'kubernetes.io') || within(ns, 'k8s.io');
  const kubelet = KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((d) => within(ns, d));
  return kubernetes && !kubelet;
}

/** modifiedLabels are the keys added, removed or changed between two label maps. */
function modifiedLabels(next: Record<string, string> = {}, old: Record<string, string> = {}): string[] {
  const keys = new Set([...Object.keys(next), ...Object.keys(old)]);
  return [...keys].filter((k) => next[k] !== old[k]).sort();
}

/** forbidden words a refusal as admission.NewForbidden does: `nodes "n2" is forbidden: node "n1" is not allowed ...`. */
function forbidden(a: AdmissionAttributes, why: string): ApiError {
  const resource = groupResource(a.info.plural, a.info.group);
  return new ApiError({ reason: 'Forbidden', message: `${resource} "${a.name}" is forbidden: ${why}`, details: { name: a.name, kind: a.info.plural, ...(a.info.group ? { group: a.info.group } : {}) } });
}

function admitPod(a: AdmissionAttributes, node: string): void {
  const pod = a.object as unknown as Pod;
  const bound = (a.oldObject as unknown as Pod | undefined)?.spec.nodeName;
  if (a.subresource === 'status') {
    if (bound !== node) throw forbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    return;
  }
  if (a.subresource === 'eviction') {
    // Only the pod's own node may evict it (kube's admitPodEviction); the Eviction names the pod in the URL.
    const target = a.ctx.get('pods', a.namespace, a.name) as unknown as Pod | undefined;
    if (!target) throw errors.notFound('pods', '', a.name);
    if (target.spec.nodeName !== node) throw forbidden(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
    return;
  }
  if (a.subresource) return;
  switch (a.operation) {
    case 'CREATE':
      return admitMirrorPod(a, pod, node);
    case 'DELETE':
      if (bound !== node) throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    case 'UPDATE':
      throw forbidden(a, `node "${node}" can only update pod status`);
  }
}

/**
 * admitMirrorPod is kube's admitPodCreate: a node creates only mirror pods, bound to itself, owned by its own Node,
 * and referencing no other API object. A reference would be an edge in the Node authorizer's graph: a node could
 * read any Secret or ConfigMap, or get a token for any ServiceAccount, by naming it in a pod it made up.
 */
function admitMirrorPod(a: AdmissionAttributes, pod: Pod, node: string): void {
  if (!isMirrorPod(pod)) throw forbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
  if (pod.spec.nodeName !== node) throw forbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners: OwnerReference[] = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) throw forbidden(a, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) throw forbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
  if (owner.controller !== true) throw forbidden(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion === true) throw forbidden(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const self = a.ctx.get('nodes', undefined, node);
  if (!self) throw errors.notFound('nodes', '', node);
  if (owner.uid !== self.metadata.uid) throw forbidden(a, `node ${node} UID mismatch: expected ${owner.uid} got ${self.metadata.uid ?? ''}`);
  if (pod.spec.serviceAccountName) throw forbidden(a, `node "${node}" can not create pods that reference a service account`);
  const refs = podReferences(pod);
  if (refs.some((r) => r.startsWith('secrets/'))) throw forbidden(a, `node "${node}" can not create pods that reference secrets`);
  if (refs.some((r) => r.startsWith('configmaps/'))) throw forbidden(a, `node "${node}" can not create pods that reference configmaps`);
  if (refs.some((r) => r.startsWith('persistentvolumeclaims/'))) throw forbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
}

interface TokenRequestBody {
  spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } };
}

/**
 * admitServiceAccountToken is kube's admitServiceAccount: a node's TokenRequest must be bound to a pod (by uid) that
 * is bound to the node, so the token dies with the pod and no node mints tokens for pods it does not run.
 */
function admitServiceAccountToken(a: AdmissionAttributes, node: string): void {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
  const ref = (a.object as unknown as TokenRequestBody).spec?.boundObjectRef;
  if (!ref || (ref.apiVersion ?? 'v1') !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw forbidden(a, 'node requested token not bound to a pod');
  if (!ref.uid) throw forbidden(a, 'node requested token with a pod binding without a uid');
  const pod = a.ctx.get('pods', a.namespace, ref.name) as unknown as Pod | undefined;
  if (!pod) throw errors.notFound('pods', '', ref.name);
  if (ref.uid !== pod.metadata.uid) throw forbidden(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  if (pod.spec.nodeName !== node) throw forbidden(a, 'node requested token bound to a pod scheduled on a different node');
}

function admitNode(a: AdmissionAttributes, node: string): void {
  if (a.name !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
  const next = a.object as unknown as Node;
  const old = a.oldObject as unknown as Node | undefined;
  if (a.operation === 'CREATE') {
    const bad = Object.keys(next.metadata.labels ?? {}).filter(forbiddenLabel).sort();
    if (bad.length) throw forbidden(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
    return;
  }
  if (a.operation !== 'UPDATE' || !old) return;
  // A node changing its own taints could steer workloads that do not tolerate them onto itself.
  if (JSON.stringify(next.spec?.taints ?? []) !== JSON.stringify(old.spec?.taints ?? [])) throw forbidden(a, `node "${node}" is not allowed to modify taints`);
  const bad = modifiedLabels(next.metadata.labels, old.metadata.labels).filter(forbiddenLabel);
  if (bad.length) throw forbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
}

function admitLease(a: AdmissionAttributes, node: string): void {
  if (a.namespace !== NODE_LEASE_NAMESPACE) return;
  if (a.name !== node) throw forbidden(a, 'can only access node lease with the same name as the requesting node');
}

/** nodeRestriction builds the plugin; it applies only to node identities. */
export function nodeRestriction(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (info) => info.group === '' ? ['pods', 'nodes', 'serviceaccounts'].includes(info.plural) : info.group === 'coordination.k8s.io' && info.plural === 'leases',
    validate(a) {
      if (!a.user.groups.includes(NODES_GROUP)) return;
      const node = nodeNameOf(a.user);
      if (!node) throw forbidden(a, `could not determine node from user "${a.user.username}"`);
      if (a.info.plural === 'pods') admitPod(a, node);
      else if (a.info.plural === 'serviceaccounts') admitServiceAccountToken(a, node);
      else if (a.info.plural === 'nodes') admitNode(a, node);
      else admitLease(a, node);
    },
  };
}
