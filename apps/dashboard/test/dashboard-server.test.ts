/**
 * The dashboard server against a real api-server process on its TLS port: sign-in checks the token with the
 * api-server, the session cookie stands for the token on every relayed request and WebSocket watch, RBAC still
 * applies to the signed-in user, and pages of another origin cannot use the session.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '@skiff/api';
import { httpsApi, spawnServer, type ServerProcess } from '@skiff/api-server/testing';
import { waitFor } from '@skiff/testing';
import { createDashboardServer, SESSION_COOKIE } from '../src/server/dashboard-server.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-dashboard-'));
let api: ServerProcess;
let dashboard: Server;
let base: string;

beforeAll(async () => {
  writeFileSync(join(dir, 'tokens.csv'), 'admin-token,alice,u1,"system:masters"\nplain-token,bob,u2\n');
  api = await spawnServer(['--token-auth-file', join(dir, 'tokens.csv')]);
  dashboard = createDashboardServer({
    upstream: { server: new URL(api.secureUrl), ca: api.adminTls().ca },
    staticDir: join(dir, 'no-ui'),
    clock: realClock,
    logger: pino({ level: 'silent' }),
  });
  await new Promise<void>((r) => dashboard.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(dashboard.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  dashboard?.closeAllConnections();
  await new Promise((r) => dashboard?.close(r));
  await api?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(token: string): Promise<{ status: number; cookie?: string; body: { user?: string; message?: string } }> {
  const res = await fetch(`${base}/dashboard/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = /skiff-dashboard=([^;]+)/.exec(setCookie)?.[1];
  return { status: res.status, ...(cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}), body: (await res.json()) as { user?: string } };
}

describe('dashboard server', () => {
  it('signs in only with a token the api-server accepts, and answers Status bodies otherwise', async () => {
    const bad = await signIn('not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.cookie).toBeUndefined();
    expect(bad.body).toMatchObject({ kind: 'Status', code: 401, message: 'the api-server did not accept this token' });
    const empty = await signIn('');
    expect(empty.status).toBe(400);
    const good = await signIn('admin-token');
    expect(good.status).toBe(201);
    expect(good.body.user).toBe('alice');
    const session = await fetch(`${base}/dashboard/session`, { headers: { cookie: good.cookie! } });
    expect(await session.json()).toEqual({ user: 'alice' });
  });

  it('relays API requests as the signed-in user, and refuses them without a session', async () => {
    const anonymous = await fetch(`${base}/api/v1/namespaces`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ kind: 'Status', code: 401 });

    const { cookie } = await signIn('admin-token');
    const list = await fetch(`${base}/api/v1/namespaces`, { headers: { cookie: cookie! } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name)).toContain('kube-system');

    // bob has no RBAC grants: the api-server's own 403 reaches the browser, naming bob.
    const bob = await signIn('plain-token');
    const denied = await fetch(`${base}/api/v1/namespaces/default/pods`, { headers: { cookie: bob.cookie! } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain('User "bob" cannot list resource "pods"');

    // Signing out ends the session.
    await fetch(`${base}/dashboard/session`, { method: 'DELETE', headers: { cookie: cookie! } });
    expect((await fetch(`${base}/api/v1/namespaces`, { headers: { cookie: cookie! } })).status).toBe(401);
  });

  it('relays a WebSocket watch, and refuses one from another origin or without a session', async () => {
    const { cookie } = await signIn('admin-token');
    const list = (await (await fetch(`${base}/api/v1/nodes`, { headers: { cookie: cookie! } })).json()) as { metadata: { resourceVersion: string } };
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/nodes?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { headers: { cookie: cookie!, origin: base } });
    const seen: string[] = [];
    ws.on('message', (m) => {
      const e = JSON.parse(String(m)) as { type: string; object: { metadata: { name: string } } };
      seen.push(`${e.type} ${e.object.metadata.name}`);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      await httpsApi(api.secureUrl, 'POST', '/api/v1/nodes', api.adminTls(), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'dash-node-1' } });
      await waitFor(() => seen.includes('ADDED dash-node-1'), { what: 'the relayed watch to see the node', timeoutMs: 10_000 });
    } finally {
      ws.close();
    }

    const refused = async (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve) => {
        const s = new WebSocket(`${base.replace('http', 'ws')}/api/v1/nodes?watch=true`, { headers });
        s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        s.on('open', () => resolve(101));
        s.on('error', () => undefined);
      });
    expect(await refused({ cookie: cookie!, origin: 'http://evil.example' })).toBe(403);
    expect(await refused({ origin: base })).toBe(401);
  });
});
