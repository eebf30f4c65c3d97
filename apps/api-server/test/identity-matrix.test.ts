/**
 * Issue 12's identity matrix over the real api-server process, verified TLS and its default authorization
 * (Node,RBAC) with each identity's real credential: the admin's client certificate from admin.kubeconfig, a cluster
 * `view` user and a namespace `edit` user from --token-auth-file, a node's client certificate from the cluster CA
 * (as the CSR signer issues it), a ServiceAccount's TokenRequest token bound to its pod, and no credential at all.
 * Each identity is asked the same verbs on the same resources; every answer and denial message is checked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../src/pki/certificate.js';
import { denied, httpsApi, spawnServer, type ServerProcess, type TlsCredentials } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-matrix-'));
const dataDir = join(dir, 'data');
let server: ServerProcess;
const who: Record<string, TlsCredentials & { token?: string }> = {};

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const as = (id: string, method: string, path: string, body?: unknown) => {
  const c = who[id]!;
  return httpsApi(server.secureUrl, method, path, c, body, c.token ? { authorization: `Bearer ${c.token}` } : {});
};
const admin = async (method: string, path: string, body: unknown): Promise<any> => {
  const r = await as('admin', method, path, body);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body;
};
const meta = (name: string, namespace = 'team') => ({ name, namespace });
const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: string, role: string, subject: object) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
  subjects: [subject],
});

beforeAll(async () => {
  writeFileSync(join(dir, 'tokens.csv'), 'viewer-token,viewer,u1\neditor-token,editor,u2\n');
  server = await spawnServer(['--data-dir', dataDir, '--token-auth-file', join(dir, 'tokens.csv')]);
  who.admin = server.adminTls();
  const ca = { cert: readFileSync(join(dataDir, 'pki/ca.crt'), 'utf8'), key: readFileSync(join(dataDir, 'pki/ca.key'), 'utf8') };
  const nodeCert = await issueCertificate(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usages: ['client'] }, new Date());
  who.node = { ca: ca.cert, cert: nodeCert.cert, key: nodeCert.key };
  who.viewer = { ca: ca.cert, token: 'viewer-token' };
  who.editor = { ca: ca.cert, token: 'editor-token' };
  who.anonymous = { ca: ca.cert };

  await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  for (const n of ['app-secret', 'other-secret']) await admin('POST', '/api/v1/namespaces/team/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: meta(n), stringData: { k: n } });
  await admin('POST', '/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('app-config'), data: { k: 'v' } });
  await admin('POST', '/api/v1/namespaces/team/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('app-sa') });
  await admin('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
  // The pod on n1 uses app-secret and app-config; the one on n2 uses other-secret.
  const pod = (name: string, nodeName: string, secret: string, sa?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name),
    spec: { nodeName, ...(sa ? { serviceAccountName: sa } : {}), containers: [{ name: 'c', image: 'busybox:1.36', envFrom: [{ configMapRef: { name: 'app-config' } }] }], volumes: [{ name: 's', secret: { secretName: secret } }] },
  });
  const app = await admin('POST', '/api/v1/namespaces/team/pods', pod('app', 'n1', 'app-secret', 'app-sa'));
  await admin('POST', '/api/v1/namespaces/team/pods', pod('other', 'n2', 'other-secret'));
  // The ServiceAccount is given its ConfigMap and its one Secret, by name.
  await admin('POST', `${RBAC}/namespaces/team/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta('app-reader'),
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['app-secret'] },
    ],
  });
  await admin('POST', `${RBAC}/namespaces/team/rolebindings`, binding('RoleBinding', 'app-reader', 'Role', 'app-reader', { kind: 'ServiceAccount', name: 'app-sa', namespace: 'team' }));
  await admin('POST', `${RBAC}/clusterrolebindings`, binding('ClusterRoleBinding', 'viewer-view', 'ClusterRole', 'view', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }));
  await admin('POST', `${RBAC}/namespaces/team/rolebindings`, binding('RoleBinding', 'editor-edit', 'ClusterRole', 'edit', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'editor' }));
  const tr = await admin('POST', '/api/v1/namespaces/team/serviceaccounts/app-sa/token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'app', uid: app.metadata.uid } },
  });
  who.sa = { ca: ca.cert, token: tr.status.token };
}, 60_000);
afterAll(async () => {
  await server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** kube's 403 message; `group` last, as most rows here are of the core group. */
const forbidden = (user: string, verb: string, resource: string, where: string, name?: string, group = '') => denied(user, verb, resource, group, where, name);
const TEAM = 'in the namespace "team"';
const SA = 'system:serviceaccount:team:app-sa';
const NO_EDGE = ": no relationship found between node 'n1' and this object";
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });
const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });

describe('identity matrix over the real api-server (TLS, Node,RBAC)', () => {
  it('answers admin, view, namespace edit, node, ServiceAccount and anonymous by verb and resource', async () => {
    type Row = [id: string, method: string, path: string, body: unknown, status: number, message?: string];
    const rows: Row[] = [
      // kubernetes-admin (client certificate, system:masters): everything.
      ['admin', 'GET', '/api/v1/namespaces/team/secrets/other-secret', undefined, 200],
      ['admin', 'GET', '/api/v1/nodes', undefined, 200],
      ['admin', 'POST', '/api/v1/namespaces/team/configmaps', cm('by-admin'), 201],
      ['admin', 'DELETE', '/api/v1/namespaces/team/configmaps/by-admin', undefined, 200],
      // view, cluster-wide: reads all but Secrets, writes nothing.
      ['viewer', 'GET', '/api/v1/namespaces/team/pods', undefined, 200],
      ['viewer', 'GET', '/api/v1/namespaces/team/configmaps/app-config', undefined, 200],
      ['viewer', 'GET', '/api/v1/namespaces/team/secrets/app-secret', undefined, 403, forbidden('viewer', 'get', 'secrets', TEAM, 'app-secret')],
      ['viewer', 'POST', '/api/v1/namespaces/team/configmaps', cm('by-viewer'), 403, forbidden('viewer', 'create', 'configmaps', TEAM)],
      ['viewer', 'GET', '/api/v1/nodes', undefined, 403, forbidden('viewer', 'list', 'nodes', 'at the cluster scope')],
      // edit in "team": writes and reads Secrets there, nothing elsewhere, no RBAC.
      ['editor', 'POST', '/api/v1/namespaces/team/configmaps', cm('by-editor'), 201],
      ['editor', 'GET', '/api/v1/namespaces/team/secrets/other-secret', undefined, 200],
      ['editor', 'GET', '/api/v1/namespaces/default/configmaps', undefined, 403, forbidden('editor', 'list', 'configmaps', 'in the namespace "default"')],
      ['editor', 'POST', `${RBAC}/namespaces/team/rolebindings`, binding('RoleBinding', 'x', 'ClusterRole', 'admin', { kind: 'User', name: 'editor' }), 403, forbidden('editor', 'create', 'rolebindings', TEAM, undefined, 'rbac.authorization.k8s.io')],
      ['editor', 'GET', '/api/v1/nodes', undefined, 403, forbidden('editor', 'list', 'nodes', 'at the cluster scope')],
      // The node n1 (client certificate system:node:n1): what its pods use, its own Node and Lease.
      ['node', 'GET', '/api/v1/namespaces/team/secrets/app-secret', undefined, 200],
      ['node', 'GET', '/api/v1/namespaces/team/configmaps/app-config', undefined, 200],
      ['node', 'GET', '/api/v1/namespaces/team/secrets/other-secret', undefined, 403, forbidden('system:node:n1', 'get', 'secrets', TEAM, 'other-secret') + NO_EDGE],
      ['node', 'GET', '/api/v1/namespaces/team/secrets', undefined, 403, `${forbidden('system:node:n1', 'list', 'secrets', TEAM)}: No Object name found`],
      ['node', 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, 201],
      ['node', 'PATCH', '/api/v1/nodes/n2', { metadata: { labels: { evil: 'yes' } } }, 403, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
      ['node', 'PATCH', '/api/v1/namespaces/team/pods/other/status', { status: { phase: 'Failed' } }, 403, 'pods "other" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'],
      ['node', 'DELETE', '/api/v1/namespaces/team/pods/other', undefined, 403, 'pods "other" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'],
      ['node', 'GET', '/api/v1/namespaces/team/pods/app', undefined, 200],
      ['node', 'GET', '/api/v1/namespaces/team/pods/other', undefined, 403, forbidden('system:node:n1', 'get', 'pods', TEAM, 'other') + NO_EDGE],
      ['node', 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', undefined, 200],
      ['node', 'GET', '/api/v1/pods', undefined, 403, `${forbidden('system:node:n1', 'list', 'pods', 'at the cluster scope')}: can only list/watch pods with spec.nodeName field selector`],
      ['node', 'GET', '/api/v1/nodes/n2', undefined, 403, `${forbidden('system:node:n1', 'get', 'nodes', 'at the cluster scope', 'n2')}: node 'n1' cannot read 'n2', only its own Node object`],
      ['node', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n1'), 201],
      ['node', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n2'), 403, 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node'],
      ['node', 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', undefined, 403, `${forbidden('system:node:n1', 'get', 'leases', 'in the namespace "kube-system"', 'kube-scheduler', 'coordination.k8s.io')}: can only access leases in the "kube-node-lease" system namespace`],
      // The ServiceAccount's pod-bound token: its ConfigMap and its one Secret, nothing more.
      ['sa', 'GET', '/api/v1/namespaces/team/configmaps/app-config', undefined, 200],
      ['sa', 'GET', '/api/v1/namespaces/team/secrets/app-secret', undefined, 200],
      ['sa', 'GET', '/api/v1/namespaces/team/secrets/other-secret', undefined, 403, forbidden(SA, 'get', 'secrets', TEAM, 'other-secret')],
      ['sa', 'GET', '/api/v1/namespaces/team/secrets', undefined, 403, forbidden(SA, 'list', 'secrets', TEAM)],
      ['sa', 'POST', '/api/v1/namespaces/team/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }, 403, forbidden(SA, 'create', 'pods', TEAM)],
      ['sa', 'POST', '/api/v1/namespaces/team/serviceaccounts/app-sa/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }, 403, `serviceaccounts "app-sa" is forbidden: User "${SA}" cannot create resource "serviceaccounts/token" in API group "" ${TEAM}`],
      // No credential: system:anonymous, health and version only.
      ['anonymous', 'GET', '/healthz', undefined, 200],
      ['anonymous', 'GET', '/version', undefined, 200],
      ['anonymous', 'GET', '/api', undefined, 403, 'forbidden: User "system:anonymous" cannot get path "/api"'],
      ['anonymous', 'GET', '/metrics', undefined, 403, 'forbidden: User "system:anonymous" cannot get path "/metrics"'],
      ['anonymous', 'GET', '/api/v1/namespaces/team/secrets/app-secret', undefined, 403, forbidden('system:anonymous', 'get', 'secrets', TEAM, 'app-secret')],
      ['anonymous', 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake' } }, 403, forbidden('system:anonymous', 'create', 'nodes', 'at the cluster scope')],
      ['anonymous', 'GET', '/api/v1/namespaces/team/pods/app/log', undefined, 403, `pods "app" is forbidden: User "system:anonymous" cannot get resource "pods/log" in API group "" ${TEAM}`],
    ];
    const got = [];
    for (const [id, method, path, body, , message] of rows) {
      const r = await (method === 'PATCH'
        ? httpsApi(server.secureUrl, method, path, who[id]!, body, { 'Content-Type': 'application/merge-patch+json', ...(who[id]!.token ? { authorization: `Bearer ${who[id]!.token}` } : {}) })
        : as(id, method, path, body));
      got.push([id, method, path, body, r.status, ...(message !== undefined ? [r.body?.message] : [])]);
    }
    expect(got).toEqual(rows.map((r) => (r[5] === undefined ? r.slice(0, 5) : r)));
  });

  it("keeps the node from reaching another pod's Secret or account through a mirror pod it makes up", async () => {
    const n1 = (await as('node', 'GET', '/api/v1/nodes/n1')).body;
    expect(n1.metadata?.uid).toBeTruthy();
    const mirror = (name: string, spec: object) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: n1.metadata.uid, controller: true }] },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
    });
    const secret = await as('node', 'POST', '/api/v1/namespaces/team/pods', mirror('steal-secret', { volumes: [{ name: 's', secret: { secretName: 'other-secret' } }] }));
    expect([secret.status, secret.body.message]).toEqual([403, 'pods "steal-secret" is forbidden: a mirror pod may not reference secrets']);
    const account = await as('node', 'POST', '/api/v1/namespaces/team/pods', mirror('steal-account', { serviceAccountName: 'app-sa' }));
    expect([account.status, account.body.message]).toEqual([403, 'pods "steal-account" is forbidden: a mirror pod may not reference service accounts']);
    expect((await as('node', 'GET', '/api/v1/namespaces/team/secrets/other-secret')).status).toBe(403);
    // A token for app-sa only bound to app, its pod on n1.
    const unbound = await as('node', 'POST', '/api/v1/namespaces/team/serviceaccounts/app-sa/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 2 ** 32 } });
    expect([unbound.status, unbound.body.message]).toEqual([403, 'serviceaccounts "app-sa" is forbidden: node requested token not bound to a pod']);
  });

  it('tells each identity who it is (kubectl auth whoami)', async () => {
    const whoami = async (id: string) => (await as(id, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })).body.status?.userInfo;
    expect(await whoami('admin')).toMatchObject({ username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
    expect(await whoami('node')).toMatchObject({ username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
    expect(await whoami('sa')).toMatchObject({ username: SA, groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'], extra: { 'authentication.kubernetes.io/pod-name': ['app'] } });
    expect(await whoami('viewer')).toMatchObject({ username: 'viewer', groups: ['system:authenticated'] });
  });
});
