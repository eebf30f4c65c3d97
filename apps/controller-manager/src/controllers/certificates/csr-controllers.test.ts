/**
 * csrapproving and csrsigning, sample-controller style: CSRs made with real keys in the informer cache, one
 * reconcile, the recorded client calls checked; issued certificates are verified against the CA with WebCrypto.
 */
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@skiff/controller-kit';
import { loadX509, type CertificateSigningRequest, type X509 } from '@skiff/api';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { ClusterSigner } from './cluster-signer.js';
import { CsrApprovingController } from './csr-approving-controller.js';
import { CsrSigningController } from './csr-signing-controller.js';

const x509 = loadX509();

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const T0 = Date.parse('2026-11-30T00:00:00Z');
const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';

async function request(subject: string, sans?: X509.JsonGeneralNames): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const extensions = sans ? [new x509.SubjectAlternativeNameExtension(sans)] : [];
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG, extensions })).toString('pem');
}

function csr(name: string, pem: string, user: { username: string; groups: string[] }, spec: Partial<CertificateSigningRequest['spec']> = {}, approved = false): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '7' },
    spec: { request: Buffer.from(pem).toString('base64'), signerName: KUBELET, usages: ['digital signature', 'client auth'], ...user, ...spec },
    status: approved ? { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } : {},
  };
}

function setup(objects: CertificateSigningRequest[]) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const store = client.resource({ plural: 'certificatesigningrequests' } as never);
  for (const o of objects) {
    informers.resources.get('certificatesigningrequests')!.indexer.add(o as never);
    store.objects.set(o.metadata.name!, structuredClone(o) as never);
  }
  return { informers, client, store };
}

const bootstrapper = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };
const node1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

describe('CsrApprovingController', () => {
  it('approves kubelet client CSRs from bootstrap tokens and a node renewing its own, nothing else', async () => {
    const good = await request('CN=system:node:n1,O=system:nodes');
    const cases = [
      csr('join', good, bootstrapper),
      csr('renew', good, node1),
      csr('other-node', await request('CN=system:node:n2,O=system:nodes'), node1),
      csr('wrong-org', await request('CN=system:node:n1,O=system:masters'), bootstrapper),
      csr('two-orgs', await request('CN=system:node:n1,O=system:nodes,O=system:masters'), bootstrapper),
      csr('dns-san', await request('CN=system:node:n1,O=system:nodes', [{ type: 'dns', value: 'evil.example' }]), bootstrapper),
      csr('server-usage', good, bootstrapper, { usages: ['digital signature', 'client auth', 'server auth'] }),
      csr('not-a-node', await request('CN=jane,O=system:nodes'), bootstrapper),
      csr('human', good, { username: 'jane', groups: ['system:authenticated'] }),
      csr('other-signer', good, bootstrapper, { signerName: 'kubernetes.io/kube-apiserver-client' }),
      csr('already', good, bootstrapper, {}, true),
    ];
    const { informers, client, store } = setup(cases);
    const ctl = new CsrApprovingController({ informers, client });
    for (const c of cases) await ctl.reconcile(c.metadata.name!);
    expect(client.actions()).toEqual([
      { verb: 'patch', resource: 'certificatesigningrequests', name: 'join', subresource: 'approval' },
      { verb: 'patch', resource: 'certificatesigningrequests', name: 'renew', subresource: 'approval' },
    ]);
    expect((store.objects.get('join') as unknown as CertificateSigningRequest).status!.conditions).toEqual([
      { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
    ]);
    expect((store.objects.get('renew') as unknown as CertificateSigningRequest).status!.conditions![0]!.message).toBe('Auto approving self kubelet client certificate after SubjectAccessReview.');
  });
});

async function makeCa(): Promise<{ signer: ClusterSigner; ca: X509.X509Certificate }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=kubernetes',
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(T0 - 3600_000),
    notAfter: new Date(T0 + 10 * 365 * 24 * 3600_000),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { signer: await ClusterSigner.load(ca.toString('pem'), keyPem), ca };
}

describe('CsrSigningController', () => {
  it('signs approved client CSRs with the CA for the shorter of the flag and expirationSeconds, and fails what the signer refuses', async () => {
    const { signer, ca } = await makeCa();
    const pem = await request('CN=system:node:n1,O=system:nodes');
    const cases = [
      csr('kubelet', pem, bootstrapper, { expirationSeconds: 3600 }, true),
      csr('client', await request('CN=jane,O=dev'), { username: 'jane', groups: [] }, { signerName: 'kubernetes.io/kube-apiserver-client' }, true),
      csr('pending', pem, bootstrapper),
      csr('bad-kubelet', await request('CN=jane,O=system:nodes'), bootstrapper, {}, true),
      csr('server', pem, bootstrapper, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'server auth'] }, true),
      csr('unknown-signer', pem, bootstrapper, { signerName: 'example.com/mine' }, true),
    ];
    const { informers, client, store } = setup(cases);
    const ctl = new CsrSigningController({ informers, client, signer, clock: new FakeClock(T0), signingDurationMs: 24 * 3600_000 });
    for (const c of cases) await ctl.reconcile(c.metadata.name!);
    expect(client.actions().map((a) => `${a.verb} ${a.name} ${a.subresource}`)).toEqual(['update kubelet status', 'update client status', 'update bad-kubelet status', 'update server status']);
    const issued = (name: string) => new x509.X509Certificate(Buffer.from((store.objects.get(name) as unknown as CertificateSigningRequest).status!.certificate!, 'base64').toString());
    const kubelet = issued('kubelet');
    expect(kubelet.subject).toBe('CN=system:node:n1, O=system:nodes');
    expect(kubelet.issuer).toBe(ca.subject);
    expect(await kubelet.verify({ publicKey: ca.publicKey, date: new Date(T0) })).toBe(true);
    expect(kubelet.notAfter.getTime()).toBe(T0 + 3600_000);
    expect(kubelet.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(issued('client').notAfter.getTime()).toBe(T0 + 24 * 3600_000);
    const failed = (name: string) => (store.objects.get(name) as unknown as CertificateSigningRequest).status!.conditions!.find((c) => c.type === 'Failed');
    expect(failed('bad-kubelet')).toMatchObject({ status: 'True', reason: 'SignerValidationFailure', message: 'subject common name does not begin with system:node:' });
    expect(failed('server')!.message).toBe('invalid usage for client certificate: server auth');
  });
});
