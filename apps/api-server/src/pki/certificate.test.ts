import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { certificateProblem, createCa, issueCertificate, type CertSpec } from './certificate.js';

describe('certificateProblem', () => {
  const now = new Date();
  it('reads the subject of a kept certificate, plain or with values Node prints escaped', async () => {
    const ca = await createCa('kubernetes', now);
    const caCert = new X509Certificate(ca.cert);
    const admin: CertSpec = { commonName: 'kubernetes-admin', organizations: ['system:masters', 'kubeadm:cluster-admins'], usages: ['client'] };
    const pair = await issueCertificate(ca, admin, now);
    expect(certificateProblem(pair, caCert, admin, now)).toBeUndefined();
    expect(certificateProblem(pair, caCert, { ...admin, organizations: ['system:masters'] }, now)).toBe('its organizations are not system:masters');
    expect(certificateProblem(pair, caCert, { ...admin, commonName: 'kubernetes-admin2' }, now)).toBe('its subject is not CN=kubernetes-admin2');
    // RFC 2253 specials: Node's subject text escapes them, so the names are read from the certificate itself.
    const odd: CertSpec = { commonName: 'a, b+c', organizations: ['p;q', 'r,s'], usages: ['client'] };
    const oddPair = await issueCertificate(ca, odd, now);
    expect(new X509Certificate(oddPair.cert).subject).toContain('\\');
    expect(certificateProblem(oddPair, caCert, odd, now)).toBeUndefined();
    expect(certificateProblem(oddPair, caCert, { ...odd, commonName: 'a, b' }, now)).toBe('its subject is not CN=a, b');
  });
});
