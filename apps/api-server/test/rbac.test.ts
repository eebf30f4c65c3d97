/**
 * RBAC over real HTTP in process: the identity matrix (system:masters admin, a cluster `view` user, a namespace
 * `edit` user, a ServiceAccount, anonymous) by verbs and resources with kube's 403 messages, escalation prevention,
 * the reviews behind `kubectl auth can-i` / `whoami`, and the bootstrap policy's reconcile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AUTOUPDATE_ANNOTATION } from '../src/bootstrap/bootstrap-policy.js';
import { createApiServer } from '../src/server.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { denied, startRbacServer, type RunningServer } from './harness.js';

const TOKENS = [
  'admin-token,kubernetes-admin,1,system:masters',
  'viewer-token,viewer,2',
  'editor-token,editor,3',
  'lead-token,lead,4',
  'robot-token,system:serviceaccount:team:robot,5,"system:serviceaccounts,system:serviceaccounts:team"',
].join('\n');

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<RunningServer> {
  server = await startRbacServer(TOKENS);
  return server;
}

async function call(s: RunningServer, token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });
const subject = (kind: string, name: string, namespace?: string) => ({ kind, name, ...(namespace ? { namespace } : {}) });
const roleBinding = (name: string, roleKind: string, role: string, subjects: object[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
  subjects,
});
const role = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules });

/** The cluster the matrix runs against, set up by the admin. */
async function setUp(s: RunningServer): Promise<void> {
  const admin = (method: string, path: string, body: unknown) => call(s, 'admin-token', method, path, body).then((r) => expect(r.status, JSON.stringify(r.body)).toBe(201));
  await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await admin('POST', '/api/v1/namespaces/team/configmaps', cm('settings'));
  await admin('POST', '/api/v1/namespaces/team/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { t: 'x' } });
  await admin('POST', `${RBAC}/clusterrolebindings`, { ...roleBinding('viewer-view', 'ClusterRole', 'view', [subject('User', 'viewer')]), kind: 'ClusterRoleBinding' });
  await admin('POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('editor-edit', 'ClusterRole', 'edit', [subject('User', 'editor')]));
  await admin('POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('lead-admin', 'ClusterRole', 'admin', [subject('User', 'lead')]));
  await admin('POST', `${RBAC}/namespaces/team/roles`, role('pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'], resourceNames: [] }]));
  // The ServiceAccount subject's namespace defaults to the binding's.
  await admin('POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('robot-reads', 'Role', 'pod-reader', [subject('ServiceAccount', 'robot')]));
}


describe('RBAC identity matrix', () => {
  it('answers each identity by verb and resource as kube does', async () => {
    const s = await start();
    await setUp(s);
    const team = 'in the namespace "team"';
    type Row = [token: string | undefined, method: string, path: string, body: unknown, status: number, message?: string];
    const rows: Row[] = [
      // system:masters: everything.
      ['admin-token', 'GET', '/api/v1/namespaces/team/secrets', undefined, 200],
      ['admin-token', 'DELETE', '/api/v1/namespaces/team/configmaps/settings', undefined, 200],
      ['admin-token', 'POST', '/api/v1/namespaces/team/configmaps', cm('settings'), 201],
      ['admin-token', 'GET', '/api/v1/nodes', undefined, 200],
      // view, cluster-wide: reads everything but Secrets, writes nothing.
      ['viewer-token', 'GET', '/api/v1/namespaces/team/pods', undefined, 200],
      ['viewer-token', 'GET', '/api/v1/namespaces/default/configmaps', undefined, 200],
      ['viewer-token', 'GET', '/apis/apps/v1/namespaces/team/deployments', undefined, 200],
      ['viewer-token', 'GET', '/api/v1/namespaces/team/configmaps/settings', undefined, 200],
      ['viewer-token', 'GET', '/api/v1/namespaces/team/secrets', undefined, 403, denied('viewer', 'list', 'secrets', '', team)],
      ['viewer-token', 'GET', '/api/v1/namespaces/team/secrets/token', undefined, 403, denied('viewer', 'get', 'secrets', '', team, 'token')],
      ['viewer-token', 'POST', '/api/v1/namespaces/team/configmaps', cm('nope'), 403, denied('viewer', 'create', 'configmaps', '', team)],
      ['viewer-token', 'GET', '/api/v1/nodes', undefined, 403, denied('viewer', 'list', 'nodes', '', 'at the cluster scope')],
      ['viewer-token', 'GET', '/api', undefined, 200],
      ['viewer-token', 'GET', '/version', undefined, 200],
      // edit in "team" only: writes workloads and config there, reads Secrets there, no RBAC, nothing elsewhere.
      ['editor-token', 'POST', '/api/v1/namespaces/team/configmaps', cm('mine'), 201],
      ['editor-token', 'PATCH', '/api/v1/namespaces/team/configmaps/mine', undefined, 415],
      ['editor-token', 'GET', '/api/v1/namespaces/team/secrets', undefined, 200],
      ['editor-token', 'DELETE', '/api/v1/namespaces/team/configmaps/mine', undefined, 200],
      ['editor-token', 'POST', '/api/v1/namespaces/default/configmaps', cm('mine'), 403, denied('editor', 'create', 'configmaps', '', 'in the namespace "default"')],
      ['editor-token', 'GET', '/api/v1/namespaces/default/pods', undefined, 403, denied('editor', 'list', 'pods', '', 'in the namespace "default"')],
      ['editor-token', 'POST', `${RBAC}/namespaces/team/roles`, role('r', []), 403, denied('editor', 'create', 'roles', 'rbac.authorization.k8s.io', team)],
      ['editor-token', 'DELETE', '/api/v1/namespaces/team', undefined, 403, denied('editor', 'delete', 'namespaces', '', team, 'team')],
      // Endpoints and EndpointSlices are their controllers' to write, as kube since 1.22 (CVE-2021-25740).
      ['editor-token', 'GET', '/api/v1/namespaces/team/endpoints', undefined, 200],
      ['editor-token', 'POST', '/api/v1/namespaces/team/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x' } }, 403, denied('editor', 'create', 'endpoints', '', team)],
      ['editor-token', 'POST', '/apis/discovery.k8s.io/v1/namespaces/team/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'x' }, addressType: 'IPv4', endpoints: [] }, 403, denied('editor', 'create', 'endpointslices', 'discovery.k8s.io', team)],
      // A ServiceAccount, through a RoleBinding to a Role: reads pods and configmaps in its namespace only.
      ['robot-token', 'GET', '/api/v1/namespaces/team/pods', undefined, 200],
      ['robot-token', 'GET', '/api/v1/namespaces/team/configmaps/settings', undefined, 200],
      ['robot-token', 'GET', '/api/v1/namespaces/team/pods?watch=1&timeoutSeconds=-1', undefined, 403, denied('system:serviceaccount:team:robot', 'watch', 'pods', '', team)],
      ['robot-token', 'GET', '/api/v1/namespaces/default/pods', undefined, 403, denied('system:serviceaccount:team:robot', 'list', 'pods', '', 'in the namespace "default"')],
      ['robot-token', 'GET', '/api/v1/namespaces/team/secrets/token', undefined, 403, denied('system:serviceaccount:team:robot', 'get', 'secrets', '', team, 'token')],
      // Anonymous: health and version only.
      [undefined, 'GET', '/healthz', undefined, 200],
      [undefined, 'GET', '/readyz', undefined, 200],
      [undefined, 'GET', '/version', undefined, 200],
      [undefined, 'GET', '/api', undefined, 403, 'forbidden: User "system:anonymous" cannot get path "/api"'],
      [undefined, 'GET', '/api/v1/namespaces/team/pods', undefined, 403, denied('system:anonymous', 'list', 'pods', '', team)],
    ];
    const got = [];
    for (const [token, method, path, body, , message] of rows) {
      const r = await call(s, token, method, path, body);
      got.push([token, method, path, body, r.status, ...(message !== undefined ? [r.body?.message] : [])]);
    }
    expect(got).toEqual(rows.map((r) => (r[5] === undefined ? r.slice(0, 5) : r)));
  });

  it('refuses to grant permissions the writer does not hold, unless they may escalate or bind', async () => {
    const s = await start();
    await setUp(s);
    // lead is admin of "team": may write Roles and RoleBindings there with what admin holds.
    expect((await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/roles`, role('reader', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]))).status).toBe(201);
    expect((await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('viewer-edit', 'ClusterRole', 'edit', [subject('User', 'viewer')]))).status).toBe(201);

    const tooMuch = await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/roles`, role('nodes', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }]));
    expect(tooMuch).toEqual({
      status: 403,
      body: expect.objectContaining({
        reason: 'Forbidden',
        message: 'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
      }),
    });
    const bindAdmin = await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('lead-root', 'ClusterRole', 'cluster-admin', [subject('User', 'lead')]));
    expect(bindAdmin.status).toBe(403);
    expect(bindAdmin.body.message).toMatch(/^rolebindings\.rbac\.authorization\.k8s\.io "lead-root" is forbidden: user "lead" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
    const missing = await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('ghost', 'Role', 'ghost', [subject('User', 'lead')]));
    expect(missing).toMatchObject({ status: 403, body: { message: 'rolebindings.rbac.authorization.k8s.io "ghost" is forbidden: role.rbac.authorization.k8s.io "ghost" not found' } });
    // The admin grants `bind` on cluster-admin and `escalate` on roles in "team": both writes then pass.
    const grants = role('grants', [
      { verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['cluster-admin'] },
      { verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] },
    ]);
    expect((await call(s, 'admin-token', 'POST', `${RBAC}/namespaces/team/roles`, grants)).status).toBe(201);
    expect((await call(s, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('lead-grants', 'Role', 'grants', [subject('User', 'lead')]))).status).toBe(201);
    expect((await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('lead-root', 'ClusterRole', 'cluster-admin', [subject('User', 'lead')]))).status).toBe(201);
    expect((await call(s, 'lead-token', 'POST', `${RBAC}/namespaces/team/roles`, role('nodes', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }]))).status).toBe(201);
    // Bound to cluster-admin in "team" only: still nothing outside it.
    expect((await call(s, 'lead-token', 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(403);
    expect((await call(s, 'lead-token', 'GET', '/api/v1/namespaces/team/secrets')).status).toBe(200);
  });

  it('says in the 403 which role a binding of the user names but does not exist, as kube does', async () => {
    const s = await start();
    await setUp(s);
    expect((await call(s, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('dangling', 'ClusterRole', 'ghost', [subject('User', 'viewer')]))).status).toBe(201);
    const r = await call(s, 'viewer-token', 'GET', '/api/v1/namespaces/team/secrets');
    expect(r).toMatchObject({ status: 403, body: { message: `${denied('viewer', 'list', 'secrets', '', 'in the namespace "team"')}: RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found` } });
    // Elsewhere the dangling binding does not apply: no reason.
    expect((await call(s, 'viewer-token', 'GET', '/api/v1/namespaces/default/secrets')).body.message).toBe(denied('viewer', 'list', 'secrets', '', 'in the namespace "default"'));
  });

  it('checks a label change on a role too: labels choose what aggregates into view', async () => {
    const s = await start();
    await setUp(s);
    const clusterRole = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
    expect((await call(s, 'admin-token', 'POST', `${RBAC}/clusterroles`, clusterRole('secrets-all', [{ verbs: ['*'], apiGroups: [''], resources: ['secrets'] }]))).status).toBe(201);
    expect((await call(s, 'admin-token', 'POST', `${RBAC}/clusterroles`, clusterRole('role-labeller', [{ verbs: ['get', 'update', 'patch'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }]))).status).toBe(201);
    expect((await call(s, 'admin-token', 'POST', `${RBAC}/clusterrolebindings`, { ...roleBinding('lead-labeller', 'ClusterRole', 'role-labeller', [subject('User', 'lead')]), kind: 'ClusterRoleBinding' })).status).toBe(201);
    const res = await fetch(`${s.url}${RBAC}/clusterroles/secrets-all`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer lead-token', 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain('clusterroles.rbac.authorization.k8s.io "secrets-all" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held');
  });

  it('keeps roleRef immutable and validates subjects and rules with kube messages', async () => {
    const s = await start();
    await setUp(s);
    const path = `${RBAC}/namespaces/team/rolebindings/editor-edit`;
    const current = (await call(s, 'admin-token', 'GET', path)).body;
    const changed = await call(s, 'admin-token', 'PUT', path, { ...current, roleRef: { ...current.roleRef, name: 'admin' } });
    expect(changed.status).toBe(422);
    expect(changed.body.message).toContain('roleRef: Invalid value');
    expect(changed.body.message).toContain('cannot change roleRef');
    const bad = await call(s, 'admin-token', 'POST', `${RBAC}/namespaces/team/rolebindings`, roleBinding('bad', 'Secret', 'x', [subject('Robot', 'r')]));
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`)).toEqual([
      'roleRef.kind: Unsupported value: "Secret": supported values: "ClusterRole", "Role"',
      'subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"',
    ]);
    const badRule = await call(s, 'admin-token', 'POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [{ verbs: [], resources: ['pods'] }] });
    expect(badRule.body.details?.causes?.map((c: { field: string }) => c.field)).toEqual(['rules[0].verbs', 'rules[0].apiGroups']);
  });
});

describe('reviews', () => {
  const ssar = (attrs: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } });

  it('answers SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectRulesReview and SelfSubjectReview', async () => {
    const s = await start();
    await setUp(s);
    const yes = await call(s, 'viewer-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ verb: 'list', resource: 'pods', namespace: 'team' }));
    expect(yes).toMatchObject({ status: 201, body: { kind: 'SelfSubjectAccessReview', status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "viewer-view" of ClusterRole "view" to User "viewer"' } } });
    const no = await call(s, 'viewer-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ verb: 'get', resource: 'secrets', namespace: 'team' }));
    expect(no).toMatchObject({ status: 201, body: { status: { allowed: false } } });
    const scale = await call(s, 'editor-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'team' }));
    expect(scale.body.status.allowed).toBe(true);
    const url = await call(s, 'viewer-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { verb: 'get', path: '/apis/apps/v1' } } });
    expect(url.body.status.allowed).toBe(true);
    const neither = await call(s, 'viewer-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} });
    expect(neither).toMatchObject({ status: 422, body: { reason: 'Invalid', message: expect.stringContaining('spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified') } });

    const sar = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:serviceaccount:team:robot', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'team' } } };
    expect(await call(s, 'viewer-token', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar)).toMatchObject({ status: 403 });
    expect(await call(s, 'admin-token', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar)).toMatchObject({ status: 201, body: { status: { allowed: true } } });
    const lsar = { ...sar, kind: 'LocalSubjectAccessReview', spec: { ...sar.spec, resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } };
    expect(await call(s, 'lead-token', 'POST', '/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews', lsar)).toMatchObject({
      status: 422,
      body: { message: expect.stringContaining('spec.resourceAttributes.namespace: Invalid value: "default": must match metadata.namespace') },
    });
    expect(await call(s, 'lead-token', 'POST', '/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews', { ...lsar, spec: sar.spec })).toMatchObject({ status: 201, body: { status: { allowed: true } } });

    const rules = await call(s, 'robot-token', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team' } });
    expect(rules.status).toBe(201);
    expect(rules.body.status.resourceRules).toContainEqual({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'] });
    expect(rules.body.status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] });

    const who = await call(s, 'robot-token', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who).toMatchObject({ status: 201, body: { kind: 'SelfSubjectReview', status: { userInfo: { username: 'system:serviceaccount:team:robot', uid: '5', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] } } } });
    // Anonymous may not ask (system:basic-user is for system:authenticated), and reviews are create-only.
    expect((await call(s, undefined, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' })).status).toBe(403);
    expect((await call(s, 'admin-token', 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
  });
});

describe('bootstrap policy', () => {
  it('restores missing default rules and subjects at start, unless the object says autoupdate "false"', async () => {
    const store = new MemoryStore();
    const logger = pino({ level: 'silent' });
    const first = createApiServer({ store, logger });
    const { clusterroles, clusterrolebindings } = await import('@skiff/api').then((m) => m.RESOURCES);
    const view = first.registry.get(clusterroles, undefined, 'view') as any;
    expect(view.rules).toContainEqual(expect.objectContaining({ resources: expect.arrayContaining(['pods', 'configmaps']) }));
    expect(JSON.stringify(view.rules)).not.toContain('secrets');
    // An admin strips rules from system:discovery and a subject from system:public-info-viewer; another role is pinned.
    const discovery = first.registry.get(clusterroles, undefined, 'system:discovery') as any;
    first.registry.replace(clusterroles, discovery, { ...structuredClone(discovery), rules: [{ verbs: ['get'], nonResourceURLs: ['/version'] }] });
    const basic = first.registry.get(clusterroles, undefined, 'system:basic-user') as any;
    first.registry.replace(clusterroles, basic, { ...structuredClone(basic), metadata: { ...basic.metadata, annotations: { [AUTOUPDATE_ANNOTATION]: 'false' } }, rules: [] });
    const info = first.registry.get(clusterrolebindings, undefined, 'system:public-info-viewer') as any;
    first.registry.replace(clusterrolebindings, info, { ...structuredClone(info), subjects: [info.subjects[0], { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'extra' }] });
    first.close();

    const second = createApiServer({ store, logger });
    const rules = (second.registry.get(clusterroles, undefined, 'system:discovery') as any).rules;
    expect(rules[0]).toEqual({ verbs: ['get'], nonResourceURLs: ['/version'] });
    expect(rules[1].nonResourceURLs).toContain('/api/*');
    expect((second.registry.get(clusterroles, undefined, 'system:basic-user') as any).rules).toEqual([]);
    expect((second.registry.get(clusterrolebindings, undefined, 'system:public-info-viewer') as any).subjects.map((x: any) => x.name)).toEqual(['system:authenticated', 'extra', 'system:unauthenticated']);
    second.close();
    store.close();
  });
});
