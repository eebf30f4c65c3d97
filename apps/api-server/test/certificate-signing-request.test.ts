/**
 * CertificateSigningRequest over a real in-process api-server with token authentication: the requester comes from
 * the authenticated user, never from the body; approval conditions change only through /approval (what
 * `kubectl certificate approve` PUTs) and the certificate only through /status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadX509 } from '@skiff/api';

const x509 = loadX509();
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { alwaysAllowAuthorizer } from '../src/auth/authorizer.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import { startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tokens = parseTokenFile('boot-token,system:bootstrap:abcdef,u-boot,system:bootstrappers\nadmin-token,admin,u-admin,system:masters\n');

async function csrPem(subject: string): Promise<string> {
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG });
  return csr.toString('pem');
}

async function selfSigned(): Promise<string> {
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=x', keys, signingAlgorithm: ALG, notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000) });
  return cert.toString('pem');
}

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

async function start(): Promise<void> {
  server = await startServer({ auth: { authenticate: unionAuthenticator([tokenFileAuthenticator(tokens)], { anonymous: false }), authorizer: alwaysAllowAuthorizer } });
}

function csrBody(name: string, request: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: b64(request), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...extra },
  };
}

describe('CertificateSigningRequest', () => {
  it('records the authenticated requester, not the one the body claims', async () => {
    await start();
    const created = await call('POST', CSR_PATH, 'boot-token', csrBody('node-csr-1', await csrPem('CN=system:node:n1,O=system:nodes'), { username: 'admin', groups: ['system:masters'], uid: 'forged' }));
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ username: 'system:bootstrap:abcdef', uid: 'u-boot', groups: ['system:bootstrappers', 'system:authenticated'] });
    expect(created.body.status).toEqual({});
  });

  it('refuses a request that is not a PEM certificate request, a bad signer and missing usages with one 422', async () => {
    await start();
    const bad = await call('POST', CSR_PATH, 'boot-token', { ...csrBody('bad', 'hello'), spec: { request: b64('hello'), signerName: 'nope' } });
    expect(bad.status).toBe(422);
    const fields = (bad.body.details.causes as { field: string }[]).map((c) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.request', 'spec.signerName', 'spec.usages']));
  });

  it('approves through /approval only; the certificate goes through /status and the Table shows the condition', async () => {
    await start();
    await call('POST', CSR_PATH, 'boot-token', csrBody('node-csr-2', await csrPem('CN=system:node:n2,O=system:nodes'), { expirationSeconds: 3600 }));
    const got = (await call('GET', `${CSR_PATH}/node-csr-2`, 'admin-token')).body;
    const approved = { ...got, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] } };
    // A main-resource PUT cannot approve, nor can /status.
    expect((await call('PUT', `${CSR_PATH}/node-csr-2`, 'admin-token', approved)).body.status).toEqual({});
    expect((await call('PUT', `${CSR_PATH}/node-csr-2/status`, 'admin-token', approved)).body.status).toEqual({});
    const viaApproval = await call('PUT', `${CSR_PATH}/node-csr-2/approval`, 'admin-token', approved);
    expect(viaApproval.status).toBe(200);
    expect(viaApproval.body.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', status: 'True', reason: 'KubectlApprove', lastUpdateTime: expect.any(String) })]);
    // Approved and Denied together are refused.
    const both = { ...viaApproval.body, status: { conditions: [...viaApproval.body.status.conditions, { type: 'Denied', status: 'True' }] } };
    expect((await call('PUT', `${CSR_PATH}/node-csr-2/approval`, 'admin-token', both)).status).toBe(422);
    const cert = b64(await selfSigned());
    const issued = await call('PUT', `${CSR_PATH}/node-csr-2/status`, 'admin-token', { ...viaApproval.body, status: { ...viaApproval.body.status, certificate: cert } });
    expect(issued.status).toBe(200);
    expect(issued.body.status.certificate).toBe(cert);
    // Once issued the certificate cannot change.
    const other = b64(await selfSigned());
    expect((await call('PUT', `${CSR_PATH}/node-csr-2/status`, 'admin-token', { ...issued.body, status: { ...issued.body.status, certificate: other } })).status).toBe(422);
    const table = await call('GET', `${CSR_PATH}/node-csr-2`, 'admin-token', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    expect(table.body.rows[0].cells.slice(2)).toEqual(['kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '60m', 'Approved,Issued']);
  });

  it('refuses a certificate on a CSR that is not approved', async () => {
    await start();
    const created = await call('POST', CSR_PATH, 'boot-token', csrBody('node-csr-3', await csrPem('CN=system:node:n3,O=system:nodes')));
    const res = await call('PUT', `${CSR_PATH}/node-csr-3/status`, 'admin-token', { ...created.body, status: { certificate: b64(await selfSigned()) } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('certificate may only be set if the Approved condition is present');
  });

  it('requires type and status on every condition, with kube\'s 422 causes (validateConditions)', async () => {
    await start();
    const created = await call('POST', CSR_PATH, 'boot-token', csrBody('node-csr-4', await csrPem('CN=system:node:n4,O=system:nodes')));
    const conditions = [{ status: 'True', reason: 'NoType' }, { type: 'Failed', reason: 'NoStatus' }, { type: 'Failed', status: 'False' }, { type: 'Custom', status: 'True' }, { type: 'Custom', status: 'False' }];
    const res = await call('PUT', `${CSR_PATH}/node-csr-4/status`, 'admin-token', { ...created.body, status: { conditions } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'status.conditions[0].type' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'status.conditions[1].status' },
      { reason: 'FieldValueNotSupported', message: 'Unsupported value: "False": supported values: "True"', field: 'status.conditions[2].status' },
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: "Failed"', field: 'status.conditions[2].type' },
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: "Custom"', field: 'status.conditions[4].type' },
    ]);
    expect(res.body.message).toBe(
      'CertificateSigningRequest.certificates.k8s.io "node-csr-4" is invalid: [status.conditions[0].type: Required value, status.conditions[1].status: Required value, status.conditions[2].status: Unsupported value: "False": supported values: "True", status.conditions[2].type: Duplicate value: "Failed", status.conditions[4].type: Duplicate value: "Custom"]',
    );
    // Nothing was stored.
    expect((await call('GET', `${CSR_PATH}/node-csr-4`, 'admin-token')).body.status).toEqual({});
  });
});
