/**
 * @module tlsBootstrap: kubelet's TLS bootstrap (pkg/kubelet/certificate/bootstrap). A node agent started with
 * --kubeconfig uses it as-is while its client certificate is valid; otherwise it joins with --bootstrap-kubeconfig
 * (the cluster CA and a bootstrap token): it makes an ECDSA P-256 key that never leaves --cert-dir, asks for a
 * certificate with a CertificateSigningRequest for CN=system:node:NAME, O=system:nodes (signer
 * kubernetes.io/kube-apiserver-client-kubelet), waits on a watch for the controller-manager to approve and sign
 * it, and writes the key and certificate (kubelet-client-current.pem) and then the kubeconfig, each atomically.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import {
  hasCsrCondition,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  loadX509,
  type CertificateSigningRequest,
} from '@skiff/api';
import { loadKubeconfig, type ClientOptions, type KubeconfigClient, type ResourceClient } from '@skiff/client';
import type { Logger } from '@skiff/controller-kit';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** The file kubelet keeps its client key and certificate in, both PEM blocks together. */
export const CLIENT_PEM = 'kubelet-client-current.pem';
/** A key whose CSR is not signed yet: reused after a restart so a pending CSR can still be completed. */
const PENDING_KEY = 'kubelet-client.key.pending';

export interface TlsBootstrapOptions {
  nodeName: string;
  /** --kubeconfig: written once the certificate is issued, used as-is later. */
  kubeconfig: string;
  /** --bootstrap-kubeconfig: CA and bootstrap token, used only when --kubeconfig has no valid certificate. */
  bootstrapKubeconfig?: string;
  /** --cert-dir. */
  certDir: string;
  now(): number;
  logger: Logger;
  /** Builds a client of the CSR resource from client options (the Clientset's `resource` in the process). */
  csrClient(opts: ClientOptions): { client: ResourceClient<CertificateSigningRequest>; close(): Promise<void> };
  signal?: AbortSignal;
}

/** writeAtomic replaces a file by renaming a complete temporary copy over it, so readers never see half of one. */
export function writeAtomic(path: string, data: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

/**
 * certificateOf reads the validity of the first certificate of a PEM text. Node's parser: every start checks the
 * kept certificates, and @peculiar/x509 is loaded only to make a CSR or a certificate.
 */
export function certificateOf(pem: string | Buffer): { notBefore: Date; notAfter: Date } {
  const text = pem.toString();
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (!m) throw new Error('no CERTIFICATE block');
  const cert = new X509Certificate(m[0]);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** validClient returns the kubeconfig's client options if its client certificate is valid now, else undefined. */
function validClient(path: string, now: number, logger: Logger): KubeconfigClient | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const cfg = loadKubeconfig(path);
    if (!cfg.tls?.cert || !cfg.tls.key) return undefined;
    const cert = certificateOf(cfg.tls.cert);
    if (cert.notBefore.getTime() > now || cert.notAfter.getTime() <= now) {
      logger.info({ notAfter: cert.notAfter.toISOString() }, 'the kubeconfig client certificate is not valid now; bootstrapping a new one');
      return undefined;
    }
    return cfg;
  } catch (err) {
    logger.warn({ err, path }, 'cannot use the kubeconfig; bootstrapping');
    return undefined;
  }
}

async function pendingKey(certDir: string): Promise<string> {
  const path = join(certDir, PENDING_KEY);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  writeAtomic(path, pem);
  return pem;
}

/** csrFor makes the PEM CSR of a node's client certificate, signed with `keyPem`. */
export async function csrFor(nodeName: string, keyPem: string): Promise<string> {
  const keyObject = createPrivateKey(keyPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', keyObject.export({ type: 'pkcs8', format: 'der' }), ALG, true, ['sign']);
  const jwk = keyObject.export({ format: 'jwk' });
  delete jwk.d;
  const publicKey = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, ALG, true, ['verify']);
  const csr = await loadX509().Pkcs10CertificateRequestGenerator.create({ name: `CN=system:node:${nodeName}, O=system:nodes`, keys: { privateKey, publicKey }, signingAlgorithm: ALG });
  return csr.toString('pem');
}

/** waitForCertificate watches one CSR until it carries a certificate; a Denied or Failed CSR throws. */
function waitForCertificate(client: ResourceClient<CertificateSigningRequest>, name: string, logger: Logger, signal?: AbortSignal): Promise<string> {
  return new Promise((resolvePem, reject) => {
    const ctl = new AbortController();
    const stop = () => ctl.abort();
    signal?.addEventListener('abort', () => {
      stop();
      reject(new Error('stopped while waiting for the client certificate'));
    }, { once: true });
    client.watch({ fieldSelector: `metadata.name=${name}`, signal: ctl.signal }, {
      onEvent(e) {
        if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
        const csr = e.object as CertificateSigningRequest;
        if (hasCsrCondition(csr, 'Denied') || hasCsrCondition(csr, 'Failed')) {
          const c = csr.status?.conditions?.find((x) => x.type === 'Denied' || x.type === 'Failed');
          stop();
          return reject(new Error(`certificate signing request ${name} is ${c?.type}: ${c?.reason ?? ''} ${c?.message ?? ''}`.trim()));
        }
        if (csr.status?.certificate) {
          stop();
          resolvePem(Buffer.from(csr.status.certificate, 'base64').toString('utf8'));
        }
      },
      // The watch retries by itself; say why, or a bootstrap token without rights waits in silence.
      onError: (err) => logger.warn({ err, csr: name }, 'watching the certificate signing request failed; retrying'),
    });
  });
}

/** kubeconfigText is the node's kubeconfig: the cluster from the bootstrap kubeconfig, the user from the cert dir. */
function kubeconfigText(server: string, ca: string | Buffer | undefined, pemPath: string): string {
  const caLine = ca ? `\n    certificate-authority-data: ${Buffer.from(ca).toString('base64')}` : '';
  return `apiVersion: v1
kind: Config
clusters:
- name: default-cluster
  cluster:
    server: ${server}${caLine}
users:
- name: default-auth
  user:
    client-certificate: ${pemPath}
    client-key: ${pemPath}
contexts:
- name: default-context
  context: {cluster: default-cluster, user: default-auth, namespace: default}
current-context: default-context
`;
}

/**
 * loadOrBootstrap returns the client options the agent runs with: the kubeconfig's while its certificate is valid,
 * or those of a certificate it has just bootstrapped.
 */
export async function loadOrBootstrap(o: TlsBootstrapOptions): Promise<KubeconfigClient> {
  const existing = validClient(o.kubeconfig, o.now(), o.logger);
  if (existing) return existing;
  if (!o.bootstrapKubeconfig) throw new Error(`--kubeconfig ${o.kubeconfig} has no valid client certificate and no --bootstrap-kubeconfig is given`);
  const boot = loadKubeconfig(o.bootstrapKubeconfig);
  mkdirSync(o.certDir, { recursive: true, mode: 0o700 });
  const key = await pendingKey(o.certDir);
  const request = await csrFor(o.nodeName, key);
  const { client, close } = o.csrClient(boot);
  try {
    const created = await client.create({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: { request: Buffer.from(request).toString('base64'), signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER, usages: ['digital signature', 'client auth'] },
    });
    const name = created.metadata.name!;
    o.logger.info({ csr: name }, 'waiting for the client certificate to be approved and issued');
    const cert = await waitForCertificate(client, name, o.logger, o.signal);
    const pemPath = resolve(o.certDir, CLIENT_PEM);
    writeAtomic(pemPath, `${cert.trimEnd()}\n${key}`);
    writeAtomic(resolve(o.kubeconfig), kubeconfigText(boot.server, boot.tls?.ca, pemPath));
    o.logger.info({ csr: name, notAfter: certificateOf(cert).notAfter.toISOString(), kubeconfig: o.kubeconfig }, 'client certificate issued; kubeconfig written');
  } finally {
    await close();
  }
  return loadKubeconfig(o.kubeconfig);
}
