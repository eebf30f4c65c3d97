/**
 * @module testPki: a throwaway CA with server and client certificates, for tests of TLS clients and servers.
 */
import { webcrypto, type webcrypto as WebCrypto } from 'node:crypto';
import { loadX509, type X509 } from '@skiff/api';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** PemPair is a certificate and its private key, PEM encoded. */
export interface PemPair {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: PemPair;
  /** issue signs a certificate: a server one with `dns`/`ips` SANs, else a client one (CN = user, O = groups). */
  issue(opts: { cn: string; groups?: string[]; dns?: string[]; ips?: string[] }): Promise<PemPair>;
}

async function keyPem(key: WebCrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
}

/** testPki makes a CA valid for a day; `name` tells CAs of one test apart. */
export async function testPki(name = 'skiff-test-ca'): Promise<TestPki> {
  const x509 = loadX509();
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
  const now = Date.now();
  const validity = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) };
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    ...validity,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  let serial = 1;
  return {
    ca: { cert: caCert.toString('pem'), key: await keyPem(caKeys.privateKey) },
    async issue({ cn, groups = [], dns = [], ips = [] }) {
      const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      const server = dns.length + ips.length > 0;
      const subject = [`CN=${cn}`, ...groups.map((g) => `O=${g}`)].join(', ');
      const extensions: X509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ];
      if (server) extensions.push(new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))]));
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (++serial).toString(16).padStart(2, '0'),
        subject,
        issuer: caCert.subject,
        ...validity,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ALG,
        extensions,
      });
      return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
    },
  };
}
