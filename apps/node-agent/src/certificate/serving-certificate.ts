/**
 * @module servingCertificate: the agent's HTTPS certificate. With --tls-cert-file/--tls-private-key-file those
 * files; otherwise, as kubelet does, a self-signed certificate for the node's host name and address kept in
 * --cert-dir (kubelet.crt, kubelet.key) and made again once expired.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { loadX509 } from '@skiff/api';
import { certificateOf, writeAtomic } from './tls-bootstrap.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600_000;

export interface ServingCertificate {
  cert: string;
  key: string;
}

/** servingCertificate returns the configured files, or the self-signed pair in certDir (made when absent or expired). */
export async function servingCertificate(o: { certFile?: string; keyFile?: string; certDir: string; hostname: string; addresses: string[]; now: number }): Promise<ServingCertificate> {
  if (o.certFile || o.keyFile) {
    if (!o.certFile || !o.keyFile) throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
    return { cert: readFileSync(o.certFile, 'utf8'), key: readFileSync(o.keyFile, 'utf8') };
  }
  const certPath = join(o.certDir, 'kubelet.crt');
  const keyPath = join(o.certDir, 'kubelet.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    if (certificateOf(cert).notAfter.getTime() > o.now) return { cert, key: readFileSync(keyPath, 'utf8') };
  }
  const x509 = loadX509();
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const stamp = Math.floor(o.now / 1000);
  const names = [{ type: 'dns' as const, value: o.hostname }, ...o.addresses.filter((a) => isIP(a)).map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '7'),
    name: `CN=${o.hostname}@${stamp}`,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(o.now - 3600_000),
    notAfter: new Date(o.now + YEAR_MS),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  writeAtomic(keyPath, key);
  writeAtomic(certPath, cert.toString('pem'), 0o644);
  return { cert: cert.toString('pem'), key };
}
