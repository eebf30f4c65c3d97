/**
 * The audit log over real HTTP: one audit.k8s.io/v1 Event line per request, allowed and denied, with who, what and
 * the answer; never a Secret's data or a token; and requests go on when the file cannot be written.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { auditLog, type AuditEvent, type AuditLog } from '../src/auth/audit-log.js';
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { ALLOW, privilegedGroupAuthorizer, unionAuthorizer } from '../src/auth/authorizer.js';
import { ServiceAccountTokens } from '../src/auth/service-account-tokens.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import { startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
let audit: AuditLog | undefined;
const dir = mkdtempSync(join(tmpdir(), 'skiff-audit-'));
afterEach(async () => {
  await server?.close();
  await audit?.close();
  server = undefined;
  audit = undefined;
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const admin = { authorization: 'Bearer admin-token', 'content-type': 'application/json', 'user-agent': 'audit-test/1.0' };

async function start(path: string, errors: Error[] = []): Promise<RunningServer> {
  audit = auditLog({ path, clock: Date, onError: (e) => errors.push(e) });
  const tokens = new ServiceAccountTokens({ keys: { signingKey: privateKey, verificationKeys: [createPublicKey(privateKey)] }, issuers: ['https://issuer.test'], clock: Date });
  server = await startServer({
    serviceAccountTokens: tokens,
    auth: {
      authenticate: unionAuthenticator([tokenFileAuthenticator(parseTokenFile('admin-token,admin,1,system:masters\n'))], { anonymous: true }),
      authorizer: unionAuthorizer([privilegedGroupAuthorizer, { authorize: (a) => (a.path === '/healthz' ? ALLOW : { decision: 'noOpinion', reason: 'only admins here' }) }]),
      observe: audit.observe,
    },
  });
  return server;
}

const lines = (path: string): AuditEvent[] => {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  } catch {
    return [];
  }
};

describe('audit log', () => {
  it('writes one Metadata event per request, allowed and denied, without bodies or tokens', async () => {
    const path = join(dir, 'sub', 'audit.log');
    const s = await start(path);
    const created = await fetch(`${s.url}/api/v1/namespaces/default/secrets`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'hunter2-very-secret' } }),
    });
    expect(created.status).toBe(201);
    const auditId = created.headers.get('audit-id');
    await fetch(`${s.url}/api/v1/namespaces/default/serviceaccounts`, { method: 'POST', headers: admin, body: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }) });
    const tokenAnswer = await fetch(`${s.url}/api/v1/namespaces/default/serviceaccounts/robot/token`, { method: 'POST', headers: admin, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }) });
    const token = ((await tokenAnswer.json()) as { status: { token: string } }).status.token;
    const denied = await fetch(`${s.url}/api/v1/namespaces/kube-system/secrets/db`, { headers: { 'user-agent': 'curious/0.1' } });
    expect(denied.status).toBe(403);

    const events = await waitFor(() => (lines(path).length >= 4 ? lines(path) : undefined), { what: 'four audit lines' });
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: auditId,
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/secrets',
      verb: 'create',
      user: { username: 'admin', uid: '1', groups: ['system:masters', 'system:authenticated'] },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'audit-test/1.0',
      objectRef: { resource: 'secrets', namespace: 'default', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    });
    expect(events[0]!.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(events[2]).toMatchObject({ verb: 'create', objectRef: { resource: 'serviceaccounts', name: 'robot', subresource: 'token' }, responseStatus: { code: 201 } });
    expect(events[3]).toMatchObject({
      verb: 'get',
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      userAgent: 'curious/0.1',
      objectRef: { resource: 'secrets', namespace: 'kube-system', name: 'db', apiVersion: 'v1' },
      responseStatus: { code: 403 },
      annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': 'only admins here' },
    });
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('hunter2-very-secret').toString('base64'));
    expect(token.length).toBeGreaterThan(100);
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain('admin-token');
  });

  it('keeps serving when the log cannot be written, and says so once', async () => {
    // A path under a regular file: the directory can never be made.
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, '');
    const errors: Error[] = [];
    const s = await start(join(blocker, 'audit.log'), errors);
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/ENOTDIR|EEXIST/);
    await waitFor(() => audit!.dropped === 3, { what: 'three dropped events' });
  });

  it('survives a full disk (/dev/full) without failing a request', async () => {
    const errors: Error[] = [];
    const s = await start('/dev/full', errors);
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    await waitFor(() => errors.length === 1, { what: 'the write error to be reported' });
    expect(errors[0]!.message).toMatch(/ENOSPC/);
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(errors).toHaveLength(1);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
