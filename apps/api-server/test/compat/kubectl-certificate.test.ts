/**
 * kubectl 1.32's certificate commands against the real server: `kubectl get csr` prints kube's columns, and
 * `kubectl certificate approve` / `deny` (a protobuf PUT of the whole CSR to /approval) set the conditions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadX509 } from '@skiff/api';

const x509 = loadX509();
import { api, startServer, type RunningServer } from '../harness.js';
import { columns, Kubectl } from './kubectl.js';

let s: RunningServer;
let k: Kubectl;
beforeAll(async () => {
  s = await startServer();
  k = new Kubectl(s.url);
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

const kubectl = (...args: string[]): Promise<string> => k.output(args);

async function createCsr(name: string): Promise<void> {
  const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const pem = (await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${name},O=dev`, keys, signingAlgorithm: ALG })).toString('pem');
  const file = k.writeFile(`csr-${name}.json`, JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 86400 } }));
  await kubectl('create', '-f', file);
}

describe('kubectl 1.32 and CertificateSigningRequests', () => {
  it('approves and denies through /approval and prints the CONDITION column', async () => {
    await createCsr('jane');
    await createCsr('joe');
    const pending = (await kubectl('get', 'csr')).trim().split('\n').map(columns);
    expect(pending[0]).toEqual(['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    expect(pending.slice(1).map((r) => [r[0], r[2], r[3], r[4], r[5]])).toEqual([
      ['jane', 'kubernetes.io/kube-apiserver-client', 'system:unsecured', '24h', 'Pending'],
      ['joe', 'kubernetes.io/kube-apiserver-client', 'system:unsecured', '24h', 'Pending'],
    ]);
    expect(await kubectl('certificate', 'approve', 'jane')).toContain('certificatesigningrequest.certificates.k8s.io/jane approved');
    expect(await kubectl('certificate', 'deny', 'joe')).toContain('certificatesigningrequest.certificates.k8s.io/joe denied');
    const after = (await kubectl('get', 'csr', '--no-headers')).trim().split('\n').map(columns);
    expect(after.map((r) => [r[0], r[5]])).toEqual([['jane', 'Approved'], ['joe', 'Denied']]);
    const jane = await api(s.url, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/jane');
    expect(jane.body.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' })]);
  });
});
