/**
 * @module Test PKI: a throwaway CA and certificates signed by it (ECDSA P-256, fast), for tests of client-certificate
 * authentication between the api-server and node agents.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '@skiff/api';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCert {
  cert: string;
  key: string;
}

export interface TestCa extends TestCert {
  /** issue signs a certificate for `subject` (e.g. "CN=kube-apiserver-kubelet-client,O=system:masters"). */
  issue(subject: string, opts?: { server?: boolean; ips?: string[]; dns?: string[] }): Promise<TestCert>;
}

function keyPem(der: ArrayBuffer): string {
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

/** testCa makes a self-signed CA valid from an hour ago for a day (`name` is its subject). */
export async function testCa(name = 'CN=skiff-test-ca'): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 24 * 3600_000),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const caKey = keyPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  let serial = 1;
  return {
    cert: ca.toString('pem'),
    key: caKey,
    async issue(subject, opts = {}) {
      const k = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      const names = [...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })), ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value }))];
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (++serial).toString(16).padStart(2, '0'),
        subject,
        issuer: ca.subjectName,
        notBefore: new Date(now - 3600_000),
        notAfter: new Date(now + 24 * 3600_000),
        publicKey: k.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([opts.server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
          ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return { cert: cert.toString('pem'), key: keyPem(await webcrypto.subtle.exportKey('pkcs8', k.privateKey)) };
    },
  };
}
