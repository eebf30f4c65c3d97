/**
 * @module The default RBAC policy every cluster starts with (kube's plugin/pkg/auth/authorizer/rbac/bootstrappolicy,
 * cut to what Skiff serves): superuser, the user-facing aggregated roles, discovery, and the least-privilege roles
 * of the scheduler and controller-manager, listed from what their code calls.
 */
import { KINDS, RBAC_API_VERSION, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type Subject } from '@skiff/api';
import { SYSTEM_AUTHENTICATED, SYSTEM_MASTERS, SYSTEM_UNAUTHENTICATED } from '../auth/user-info.js';

/** Annotation that lets an admin keep edits to a default role: "false" stops the reconcile at start. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregate?: string[] } = {}): ClusterRole {
  const role: ClusterRole = {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL, ...extra.labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
  if (extra.aggregate) role.aggregationRule = { clusterRoleSelectors: extra.aggregate.map((label) => ({ matchLabels: { [label]: 'true' } })) };
  return role;
}

const user = (name: string): Subject => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });

function binding(name: string, role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects,
  };
}

/**
 * Every served kind, grouped by API group: the garbage collector and namespace controller act on all of them
 * (as kube's do on `*`), but naming them keeps subresources (pods/exec, serviceaccounts/token) out of the grant.
 */
function everyKind(): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const k of KINDS) byGroup.set(k.info.group, [...(byGroup.get(k.info.group) ?? []), k.info.plural]);
  return [...byGroup].map(([g, plurals]) => rule([...READ, 'update', 'patch', 'delete', 'deletecollection'], [g], plurals));
}

/** The user-facing roles' building blocks, aggregated into admin, edit and view by their labels. */
const AGGREGATE_TO_VIEW = [
  rule(READ, [''], ['pods', 'pods/log', 'pods/status', 'configmaps', 'endpoints', 'services', 'services/status', 'serviceaccounts', 'events', 'namespaces', 'namespaces/status', 'bindings', 'limitranges', 'resourcequotas', 'persistentvolumeclaims', 'replicationcontrollers']),
  rule(READ, ['apps'], ['deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'daemonsets', 'statefulsets', 'controllerrevisions']),
  rule(READ, ['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['events.k8s.io'], ['events']),
  rule(READ, ['coordination.k8s.io'], ['leases']),
];
const AGGREGATE_TO_EDIT = [
  rule(['create', 'delete', 'deletecollection', 'patch', 'update'], [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'pods/eviction']),
  rule(['get', 'list', 'watch'], [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
  // No Endpoints or EndpointSlices: a namespace editor could point a Service anywhere (kube dropped them in 1.22,
  // CVE-2021-25740); their controllers write them.
  rule(WRITE, [''], ['configmaps', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, ['apps'], ['deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale', 'daemonsets', 'statefulsets', 'statefulsets/scale']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['coordination.k8s.io'], ['leases']),
];
const AGGREGATE_TO_ADMIN = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule([...READ, ...WRITE], ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
];

/** BOOTSTRAP_CLUSTER_ROLES are ensured at every start; aggregated ones get their first rules here too. */
export const BOOTSTRAP_CLUSTER_ROLES: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('admin', [], { aggregate: [AGGREGATE_TO('admin')] }),
  clusterRole('edit', [], { aggregate: [AGGREGATE_TO('edit')], labels: { [AGGREGATE_TO('admin')]: 'true' } }),
  clusterRole('view', [], { aggregate: [AGGREGATE_TO('view')], labels: { [AGGREGATE_TO('edit')]: 'true' } }),
  clusterRole('system:aggregate-to-admin', AGGREGATE_TO_ADMIN, { labels: { [AGGREGATE_TO('admin')]: 'true' } }),
  clusterRole('system:aggregate-to-edit', AGGREGATE_TO_EDIT, { labels: { [AGGREGATE_TO('edit')]: 'true' } }),
  clusterRole('system:aggregate-to-view', AGGREGATE_TO_VIEW, { labels: { [AGGREGATE_TO('view')]: 'true' } }),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  // Skiff's scheduler: pod and node informers, pods/binding, the PodScheduled condition (pods/status), the
  // nominated-node annotation (pods patch), Events, and its leader-election Lease (kube-system/kube-scheduler).
  clusterRole('system:kube-scheduler', [
    rule(READ, [''], ['pods', 'nodes']),
    rule(['patch'], [''], ['pods']),
    // VolumeBinding: claims, volumes and classes; the selected-node annotation on WaitForFirstConsumer claims.
    rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['patch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['create'], [''], ['pods/binding', 'bindings']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(['get', 'update', 'patch'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
  ]),
  // Skiff's controller-manager runs every controller as one identity (kube gives each controller its own
  // ServiceAccount): informers over every kind; the garbage collector and namespace controller update and delete
  // any kind; the workload controllers create what they own; status writes; namespaces/finalize; ClusterRole
  // aggregation (escalate, as kube's clusterrole-aggregation-controller); its Lease.
  clusterRole('system:kube-controller-manager', [
    ...everyKind(),
    // kube-root-ca.crt (root-ca-cert-publisher); the service data path's Deployments (serviceproxy).
    rule(['create'], [''], ['pods', 'endpoints', 'serviceaccounts', 'services', 'events', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], ['apps'], ['replicasets', 'deployments', 'controllerrevisions']),
    rule(['create'], ['batch'], ['jobs']),
    rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
    rule(['create', 'patch', 'update'], ['events.k8s.io'], ['events']),
    rule(['update', 'patch'], [''], ['pods/status', 'nodes/status', 'namespaces/finalize', 'namespaces/status', 'persistentvolumeclaims/status', 'persistentvolumes/status']),
    rule(['update', 'patch'], ['apps'], ['deployments/status', 'replicasets/status', 'daemonsets/status', 'statefulsets/status']),
    rule(['update', 'patch'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['update', 'patch'], ['batch'], ['jobs/status', 'cronjobs/status']),
    // The HPA controller: its status, its targets' scale, and the pods' usage.
    rule(['update', 'patch'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update', 'patch'], ['apps'], ['deployments/scale', 'replicasets/scale', 'statefulsets/scale']),
    rule(['get', 'list'], ['metrics.k8s.io'], ['pods']),
    rule(['escalate'], ['rbac.authorization.k8s.io'], ['clusterroles']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    rule(READ, ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update', 'patch'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kube-apiserver-client']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  // Node TLS bootstrap (kubeadm's defaults): bootstrap tokens may file a CSR and get it approved automatically.
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])]),
  clusterRole('kubeadm:get-nodes', [rule(['get'], [''], ['nodes'])]),
  // kube-proxy's role; Skiff's service proxy (docs/services.md) runs with it as kube-system/skiff-service-proxy.
  clusterRole('system:node-proxier', [
    rule(READ, [''], ['endpoints', 'services', 'nodes']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  // What the api-server's client certificate needs on node agents (logs, exec, port-forward).
  clusterRole('system:kubelet-api-admin', [rule(['get', 'list', 'watch', 'proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'])]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', [group(SYSTEM_MASTERS)]),
  binding('system:basic-user', 'system:basic-user', [group(SYSTEM_AUTHENTICATED)]),
  binding('system:discovery', 'system:discovery', [group(SYSTEM_AUTHENTICATED)]),
  binding('system:public-info-viewer', 'system:public-info-viewer', [group(SYSTEM_AUTHENTICATED), group(SYSTEM_UNAUTHENTICATED)]),
  binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  binding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
  binding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]),
  binding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
  binding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')]),
  binding('kubeadm:get-nodes', 'kubeadm:get-nodes', [group('system:bootstrappers')]),
  binding('system:kube-apiserver-kubelet-api-admin', 'system:kubelet-api-admin', [user('kube-apiserver-kubelet-client')]),
  binding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy'), { kind: 'ServiceAccount', name: 'skiff-service-proxy', namespace: 'kube-system' }]),
];
