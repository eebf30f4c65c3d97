/**
 * @module Kubeconfigs with embedded client certificates, as kubeadm writes admin.conf, scheduler.conf and
 * controller-manager.conf: one cluster `kubernetes`, one user, one context `USER@kubernetes`.
 */
import { X509Certificate } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { certificateProblem, issueCertificate, type CertKey, type CertSpec } from './certificate.js';
import { readOptional } from './read-optional.js';
import { writeFileAtomic } from './write-file-atomic.js';

const CLUSTER = 'kubernetes';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: unknown): string | undefined => (typeof s === 'string' ? Buffer.from(s, 'base64').toString() : undefined);

export interface KubeconfigContent {
  server: string;
  /** The CA certificate (PEM) that verifies the server. */
  caCert: string;
  user: string;
  credential: CertKey;
}

/** kubeconfigYaml is the kubeconfig text for one user of one cluster, certificates embedded (kubectl's *-data). */
export function kubeconfigYaml(c: KubeconfigContent): string {
  const context = `${c.user}@${CLUSTER}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER, cluster: { 'certificate-authority-data': b64(c.caCert), server: c.server } }],
    contexts: [{ name: context, context: { cluster: CLUSTER, user: c.user } }],
    'current-context': context,
    preferences: {},
    users: [{ name: c.user, user: { 'client-certificate-data': b64(c.credential.cert), 'client-key-data': b64(c.credential.key) } }],
  });
}

/** readKubeconfig reads back what kubeconfigYaml wrote; undefined for anything else (another layout, garbage). */
export function readKubeconfig(text: string): KubeconfigContent | undefined {
  try {
    const k = parse(text) as any;
    const cluster = k?.clusters?.[0];
    const user = k?.users?.[0];
    const caCert = unb64(cluster?.cluster?.['certificate-authority-data']);
    const cert = unb64(user?.user?.['client-certificate-data']);
    const key = unb64(user?.user?.['client-key-data']);
    const server = cluster?.cluster?.server;
    if (typeof server !== 'string' || typeof user?.name !== 'string' || !caCert || !cert || !key) return undefined;
    return { server, caCert, user: user.name, credential: { cert, key } };
  } catch {
    return undefined;
  }
}

export interface EnsureKubeconfigOptions {
  server: string;
  ca: CertKey;
  spec: CertSpec;
  now: Date;
}

/**
 * ensureKubeconfig keeps the kubeconfig at `path` when it already says the same thing (same server and CA, a
 * client certificate still good for `spec`); otherwise it writes a new one (0600, atomically), reusing the
 * client certificate when only the server moved. Answers why it wrote, or undefined when it kept the file.
 */
export async function ensureKubeconfig(path: string, opts: EnsureKubeconfigOptions): Promise<string | undefined> {
  const text = readOptional(path);
  const old = text === undefined ? undefined : readKubeconfig(text);
  const problem =
    text === undefined ? 'it is missing' : !old ? 'it is not a kubeconfig this api-server wrote' : certificateProblem(old.credential, new X509Certificate(opts.ca.cert), opts.spec, opts.now);
  const credential = !problem && old ? old.credential : await issueCertificate(opts.ca, opts.spec, opts.now);
  const next = kubeconfigYaml({ server: opts.server, caCert: opts.ca.cert, user: opts.spec.commonName, credential });
  if (next === text) return undefined;
  writeFileAtomic(path, next, { mode: 0o600 });
  return problem ?? (old?.server !== opts.server ? `the server is now ${opts.server}` : 'the CA changed');
}
