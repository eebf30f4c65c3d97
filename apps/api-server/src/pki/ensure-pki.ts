/**
 * @module ensurePki: the cluster PKI in the api-server's data dir, made on first start and kept after (kubeadm's
 * `init phase certs` layout: pki/ca.crt|key, pki/apiserver.crt|key, pki/apiserver-kubelet-client.crt|key).
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { caProblem, certificateProblem, createCa, issueCertificate, type CertKey, type CertSpec } from './certificate.js';
import { readOptional } from './read-optional.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** The CA's subject, as kubeadm names it. */
export const CA_COMMON_NAME = 'kubernetes';
/** The api-server's client certificate towards node agents (kubeadm's apiserver-kubelet-client). */
export const KUBELET_CLIENT_SPEC: CertSpec = { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usages: ['client'] };

export interface PkiOptions {
  /** DNS names and IP addresses the serving certificate must carry. */
  servingNames: string[];
  /** False when --tls-cert-file names a serving certificate of the operator's: none is made then. */
  makeServingCert: boolean;
  now: Date;
  /** Told about every certificate made, and why. */
  onIssue?: (file: string, why: string) => void;
}

export interface Pki {
  ca: CertKey;
  caCertFile: string;
  servingCertFile: string;
  servingKeyFile: string;
  kubeletClientCertFile: string;
  kubeletClientKeyFile: string;
}

/**
 * ensurePki loads the PKI under `dir`, making what is missing. The CA is never replaced once it exists (a CA
 * certificate whose key is lost stops the start with what to do); the certificates it issued are reissued when
 * they are missing, broken, from another CA, near expiry or lack a wanted name (a new --advertise-address).
 * Every file is written atomically, keys 0600, so a start killed at any point leaves a directory the next start
 * completes.
 */
export async function ensurePki(dir: string, opts: PkiOptions): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await ensureCa(dir, opts);
  const caCert = new X509Certificate(ca.cert);
  const servingSpec: CertSpec = { commonName: 'kube-apiserver', altNames: opts.servingNames, usages: ['server'] };
  if (opts.makeServingCert) await ensureCertificate(dir, 'apiserver', ca, caCert, servingSpec, opts);
  await ensureCertificate(dir, 'apiserver-kubelet-client', ca, caCert, KUBELET_CLIENT_SPEC, opts);
  return {
    ca,
    caCertFile: join(dir, 'ca.crt'),
    servingCertFile: join(dir, 'apiserver.crt'),
    servingKeyFile: join(dir, 'apiserver.key'),
    kubeletClientCertFile: join(dir, 'apiserver-kubelet-client.crt'),
    kubeletClientKeyFile: join(dir, 'apiserver-kubelet-client.key'),
  };
}

async function ensureCa(dir: string, opts: PkiOptions): Promise<CertKey> {
  const keyFile = join(dir, 'ca.key');
  const certFile = join(dir, 'ca.crt');
  let key = readOptional(keyFile);
  let cert = readOptional(certFile);
  if (cert !== undefined && key === undefined) {
    throw new Error(`${certFile} exists but ${keyFile} is missing: restore the key, or remove ${dir} to make a new cluster CA (every kubeconfig it signed stops working)`);
  }
  if (key === undefined) {
    const made = await createCa(CA_COMMON_NAME, opts.now);
    // Exclusive: an api-server starting beside this one on the same dir may have won; then its CA is the CA.
    if (writeOnce(keyFile, made.key, 0o600) && cert === undefined && writeOnce(certFile, made.cert, 0o644)) opts.onIssue?.(certFile, 'no cluster CA yet');
    key = readOptional(keyFile)!;
    cert = readOptional(certFile);
  }
  if (cert === undefined) {
    // Killed between the key and the certificate: nothing was signed yet, so finish the CA around the kept key.
    writeOnce(certFile, (await createCa(CA_COMMON_NAME, opts.now, key)).cert, 0o644);
    opts.onIssue?.(certFile, `${certFile} was missing beside its key`);
    cert = readOptional(certFile)!;
  }
  const problem = caProblem({ cert, key });
  if (problem) throw new Error(`${certFile} and ${keyFile} cannot serve as the cluster CA: ${problem}`);
  return { cert, key };
}

async function ensureCertificate(dir: string, base: string, ca: CertKey, caCert: X509Certificate, spec: CertSpec, opts: PkiOptions): Promise<void> {
  const certFile = join(dir, `${base}.crt`);
  const keyFile = join(dir, `${base}.key`);
  const cert = readOptional(certFile);
  const key = readOptional(keyFile);
  const problem = cert === undefined || key === undefined ? 'it is missing' : certificateProblem({ cert, key }, caCert, spec, opts.now);
  if (!problem) return;
  const made = await issueCertificate(ca, spec, opts.now);
  // Key first: killed between the two writes, the old certificate no longer matches and the next start reissues.
  writeFileAtomic(keyFile, made.key, { mode: 0o600 });
  writeFileAtomic(certFile, made.cert, { mode: 0o644 });
  opts.onIssue?.(certFile, problem);
}

/** writeOnce creates `path` unless it exists; false when another writer got there first. */
function writeOnce(path: string, data: string, mode: number): boolean {
  try {
    writeFileAtomic(path, data, { mode, exclusive: true });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
