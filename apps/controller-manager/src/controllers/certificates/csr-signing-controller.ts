/**
 * @module CsrSigningController: kube's csrsigning controller for the client signers. It signs approved CSRs for
 * kubernetes.io/kube-apiserver-client-kubelet (which must be a kubelet client CSR) and
 * kubernetes.io/kube-apiserver-client (client usages only) with the cluster CA, for --cluster-signing-duration or
 * the CSR's spec.expirationSeconds if shorter (never under 10 minutes), and writes status.certificate through
 * /status. A CSR its signer refuses gets a Failed condition (SignerValidationFailure), as kube's does.
 */
import {
  csrPem,
  hasCsrCondition,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  KUBE_APISERVER_CLIENT_SIGNER,
  parseCsrRequest,
  RESOURCES,
  validateKubeletClientCsr,
  type CertificateSigningRequest,
} from '@skiff/api';
import { watch, type ReconcileResult, type SharedInformer } from '@skiff/controller-kit';
import type { ResourceApi } from '../../controller-client.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import type { ClusterSigner } from './cluster-signer.js';
import { csrInformer } from './csr-approving-controller.js';

/** DEFAULT_SIGNING_DURATION_MS is --cluster-signing-duration's default, one year. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 3600_000;
const MIN_DURATION_MS = 10 * 60_000;
const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

/** signerRefusal says why a signer will not sign this CSR, or undefined when it will. */
export function signerRefusal(csr: CertificateSigningRequest): string | undefined {
  const usages = csr.spec.usages ?? [];
  let req;
  try {
    req = parseCsrRequest(csr);
  } catch (err) {
    return `unable to parse csr: ${(err as Error).message}`;
  }
  if (csr.spec.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER) return validateKubeletClientCsr(req, usages);
  const bad = usages.filter((u) => !CLIENT_USAGES.has(u));
  if (bad.length) return `invalid usage for client certificate: ${bad.join(', ')}`;
  if (!usages.includes('client auth')) return 'missing required usage for client certificate: client auth';
  return undefined;
}

/** certificateDuration is kube's duration rule: the flag, or the CSR's expirationSeconds if shorter, at least 10 min. */
export function certificateDuration(csr: CertificateSigningRequest, signingDurationMs: number): number {
  const requested = csr.spec.expirationSeconds != null ? csr.spec.expirationSeconds * 1000 : Infinity;
  return Math.max(MIN_DURATION_MS, Math.min(signingDurationMs, requested));
}

export class CsrSigningController extends ManagedController {
  readonly #csrs: SharedInformer<CertificateSigningRequest>;
  readonly #signer: ClusterSigner;
  readonly #durationMs: number;

  constructor(opts: ControllerDeps & { signer: ClusterSigner; signingDurationMs?: number }) {
    super('csrsigning', opts, 1);
    this.#csrs = csrInformer(opts);
    this.#signer = opts.signer;
    this.#durationMs = opts.signingDurationMs ?? DEFAULT_SIGNING_DURATION_MS;
    this.watch([watch.primary(this.#csrs)]);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const cached = this.#csrs.lister().get(name);
    if (!cached) return {};
    const signerName = cached.spec.signerName;
    if (signerName !== KUBE_APISERVER_CLIENT_KUBELET_SIGNER && signerName !== KUBE_APISERVER_CLIENT_SIGNER) return {};
    if (!hasCsrCondition(cached, 'Approved') || hasCsrCondition(cached, 'Failed') || cached.status?.certificate) return {};
    const csr = structuredClone(cached);
    const client = this.client.resource(RESOURCES.certificatesigningrequests) as unknown as ResourceApi<CertificateSigningRequest>;
    const refusal = signerRefusal(csr);
    let certificate: string | undefined;
    let failure = refusal;
    if (!refusal) {
      try {
        certificate = await this.#signer.sign({ csrPem: csrPem(csr), durationMs: certificateDuration(csr, this.#durationMs), nowMs: this.clock.now(), clientAuth: true, serverAuth: false });
      } catch (err) {
        failure = (err as Error).message;
      }
    }
    if (certificate) {
      csr.status = { ...csr.status, certificate: Buffer.from(certificate).toString('base64') };
      await client.updateStatus(csr);
      this.log.info({ csr: name, signer: signerName }, 'signed certificate signing request');
      return {};
    }
    csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: failure ?? 'signing failed' }] };
    await client.updateStatus(csr);
    this.log.info({ csr: name, signer: signerName, reason: failure }, 'refused to sign certificate signing request');
    return {};
  }
}
