/**
 * @module Certificates of the cluster PKI: a self-signed CA and the certificates it issues (ECDSA P-256, as
 * kubeadm's `EncryptionAlgorithm: ECDSA-P256`), and the check that an existing pair is still the one wanted.
 */
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { X509 } from '@skiff/api';
import { x509 as loadX509 } from './x509.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** Backdated so a peer whose clock is a little behind still accepts a certificate made a moment ago. */
const BACKDATE_MS = 3600 * 1000;
/** kubeadm's lifetimes: 10 years for the CA, 1 year for what it issues. */
export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;

/** A certificate and its private key, PEM (PKCS#8 key). */
export interface CertKey {
  cert: string;
  key: string;
}

/** CertSpec is what a certificate must say: subject, names and addresses, and what it is used for. */
export interface CertSpec {
  commonName: string;
  /** O= entries: Kubernetes reads them as the user's groups. */
  organizations?: string[];
  /** Subject alternative names: DNS names and IP addresses, in any mix. */
  altNames?: string[];
  usages: Array<'server' | 'client'>;
}

/** createCa makes a self-signed CA; with `key` (PEM) it keeps that key, so a half-written CA is finished, not replaced. */
export async function createCa(commonName: string, now: Date, key?: string): Promise<CertKey> {
  const x509 = loadX509();
  const keys = key ? await importKeyPair(key) : await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: key ?? (await exportKey(keys.privateKey)) };
}

/** issueCertificate makes a new key and a certificate for it signed by `ca`. */
export async function issueCertificate(ca: CertKey, spec: CertSpec, now: Date, validityDays = LEAF_VALIDITY_DAYS): Promise<CertKey> {
  const x509 = loadX509();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importPrivateKey(ca.key);
  const keys = await generateKeyPair();
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(spec.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth))),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (spec.altNames?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(spec.altNames.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [spec.commonName] }, ...(spec.organizations ?? []).map((o) => ({ O: [o] }))],
    issuer: caCert.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    // Never outlive the CA: a client would refuse the chain.
    notAfter: new Date(Math.min(now.getTime() + validityDays * DAY_MS, caCert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** Renew a certificate this long before it expires (kubeadm warns at 30 days). */
export const RENEW_BEFORE_DAYS = 30;

/**
 * certificateProblem says why `pair` is not (or no longer) a certificate for `spec` issued by `ca`: unreadable, key
 * and certificate not a pair, another issuer, expiring within RENEW_BEFORE_DAYS, another subject, a missing name.
 * Undefined when it is good to keep.
 */
export function certificateProblem(pair: CertKey, ca: X509Certificate, spec: CertSpec, now: Date): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.cert);
    if (!cert.checkPrivateKey(createPrivateKey(pair.key))) return 'its key does not match the certificate';
  } catch (err) {
    return `it does not parse (${(err as Error).message})`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'it was not issued by the current CA';
  if (Date.parse(cert.validTo) - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return `it expires ${new Date(cert.validTo).toISOString()}`;
  const { cn, orgs } = subjectNames(cert, pair.cert);
  if (cn.length !== 1 || cn[0] !== spec.commonName) return `its subject is not CN=${spec.commonName}`;
  if ([...orgs].sort().join(',') !== [...(spec.organizations ?? [])].sort().join(',')) return `its organizations are not ${(spec.organizations ?? []).join(',') || 'empty'}`;
  const missing = (spec.altNames ?? []).filter((n) => (isIP(n) ? cert.checkIP(n) === undefined : cert.checkHost(n, { wildcards: false }) === undefined));
  if (missing.length) return `it does not name ${missing.join(', ')}`;
  return undefined;
}

/**
 * subjectNames reads the subject's CN and O values. Node's one-line-per-RDN subject is enough for the names the
 * cluster makes, so a start that keeps its certificates never loads @peculiar/x509; a value Node prints escaped, or
 * a multi-valued RDN, is read by @peculiar/x509 as before.
 */
function subjectNames(cert: X509Certificate, pem: string): { cn: string[]; orgs: string[] } {
  const lines = cert.subject.split('\n');
  if (!lines.some((l) => l.includes('\\') || l.includes(' + '))) {
    const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
    return { cn: values('CN'), orgs: values('O') };
  }
  const subject = new (loadX509().X509Certificate)(pem).subjectName;
  return { cn: subject.getField('CN'), orgs: subject.getField('O') };
}

/** caProblem says why `pair` cannot serve as the cluster CA (key not its own, not a CA); undefined when it can. */
export function caProblem(pair: CertKey): string | undefined {
  try {
    const cert = new X509Certificate(pair.cert);
    if (!cert.ca) return 'the certificate is not a CA';
    if (!cert.checkPrivateKey(createPrivateKey(pair.key))) return 'the key does not match the certificate';
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive, as RFC 5280 requires
  return b.toString('hex');
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  return (await webcrypto.subtle.importKey('pkcs8', loadX509().PemConverter.decodeFirst(pem), ALG, true, ['sign'])) as CryptoKey;
}

async function importKeyPair(pem: string): Promise<CryptoKeyPair> {
  const privateKey = await importPrivateKey(pem);
  // WebCrypto cannot derive a public key from a private one; Node's KeyObject can.
  const pub = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  const publicKey = (await webcrypto.subtle.importKey('spki', pub, ALG, true, ['verify'])) as CryptoKey;
  return { privateKey, publicKey };
}

async function exportKey(key: CryptoKey): Promise<string> {
  return loadX509().PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}
