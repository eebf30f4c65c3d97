/**
 * The auth gate in front of a real in-process api-server: 401 for bad credentials, anonymous without any, 403 with
 * kube's message for what the authorizer does not allow, the same for WebSocket upgrades, and the user reaching
 * admission.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError } from '@skiff/api';
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { ALLOW, privilegedGroupAuthorizer, unionAuthorizer, type Authorizer } from '../src/auth/authorizer.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import type { AdmissionPlugin } from '../src/admission/admission.js';
import { startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Anonymous may read /healthz; "viewer" may get and list pods in "default"; "admin" is in system:masters.
const testAuthorizer: Authorizer = {
  authorize: (a) => {
    if (!a.resourceRequest && a.path === '/healthz') return ALLOW;
    if (a.user.username === 'viewer' && a.resource === 'pods' && !a.subresource && a.namespace === 'default' && ['get', 'list', 'watch'].includes(a.verb)) return ALLOW;
    return { decision: 'noOpinion', reason: a.user.username === 'viewer' ? 'viewer reads pods only' : '' };
  },
};
const tokens = parseTokenFile('admin-token,admin,1,system:masters\nviewer-token,viewer,2\n');
const written: string[] = [];
const recordUser: AdmissionPlugin = {
  name: 'RecordUser',
  handles: (info) => info.plural === 'configmaps',
  validate: (a) => {
    written.push(`${a.operation} ${a.name} by ${a.user.username}`);
    if (a.object.metadata.labels?.['refuse'] === 'yes') throw new ApiError({ reason: 'Forbidden', message: `configmaps "${a.name}" is forbidden: refused by test` });
  },
};

async function start(): Promise<RunningServer> {
  server = await startServer({
    auth: { authenticate: unionAuthenticator([tokenFileAuthenticator(tokens)], { anonymous: true }), authorizer: unionAuthorizer([privilegedGroupAuthorizer, testAuthorizer]) },
    admission: [recordUser],
  });
  return server;
}

const get = (s: RunningServer, path: string, token?: string) => fetch(`${s.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('auth gate', () => {
  it('answers 401 for an unknown token and lets anonymous reach only what the authorizer allows', async () => {
    const s = await start();
    const bad = await get(s, '/healthz', 'nope');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await get(s, '/healthz')).status).toBe(200);
    const denied = await get(s, '/api/v1/namespaces/default/pods');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      reason: 'Forbidden',
      message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
      details: { kind: 'pods' },
    });
    const path = await get(s, '/version');
    expect(await path.json()).toMatchObject({ code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/version"' });
  });

  it('allows what the authorizer allows and words a denial with the resource, name, scope and reason', async () => {
    const s = await start();
    expect((await get(s, '/api/v1/namespaces/default/pods', 'viewer-token')).status).toBe(200);
    const node = await get(s, '/api/v1/nodes/n1', 'viewer-token');
    expect(await node.json()).toMatchObject({ code: 403, message: 'nodes "n1" is forbidden: User "viewer" cannot get resource "nodes" in API group "" at the cluster scope: viewer reads pods only' });
    const log = await get(s, '/api/v1/namespaces/default/pods/web/log', 'viewer-token');
    expect(((await log.json()) as { message: string }).message).toContain('cannot get resource "pods/log" in API group "" in the namespace "default"');
    expect((await get(s, '/api/v1/nodes', 'admin-token')).status).toBe(200);
  });

  it('refuses a WebSocket watch upgrade with the same 403 Status before it opens', async () => {
    const s = await start();
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/namespaces/kube-system/pods?watch=1`, { headers: { authorization: 'Bearer viewer-token' } });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('upgrade was allowed')));
      ws.on('error', () => undefined);
    });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ reason: 'Forbidden', message: expect.stringContaining('cannot watch resource "pods"') });
  });

  it('hands the authenticated user to admission, which can refuse the write', async () => {
    const s = await start();
    written.length = 0;
    const post = (name: string, labels: Record<string, string> = {}) =>
      fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels } }),
      });
    expect((await post('ok')).status).toBe(201);
    const refused = await post('no', { refuse: 'yes' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toBe('configmaps "no" is forbidden: refused by test');
    expect(written).toEqual(['CREATE ok by admin', 'CREATE no by admin']);
    expect((await fetch(`${s.url}/api/v1/namespaces/default/configmaps/no`, { headers: { authorization: 'Bearer admin-token' } })).status).toBe(404);
  });
});
