/**
 * @module CsrApprovingController: kube's csrapproving controller (pkg/controller/certificates/approver). It approves
 * kubelet client CSRs (signer kubernetes.io/kube-apiserver-client-kubelet, subject O=system:nodes,
 * CN=system:node:NAME, no SANs, kubelet's usages exactly) that come from a bootstrap token (system:bootstrappers:
 * kube's "nodeclient" permission, which kubeadm grants that group) or from the node itself renewing
 * ("selfnodeclient", granted to system:nodes). Kube asks a SubjectAccessReview for those two permissions; here
 * they are the fixed grants kubeadm sets up. Anything else is left for a human (`kubectl certificate approve`).
 */
import {
  hasCsrCondition,
  KUBE_APISERVER_CLIENT_KUBELET_SIGNER,
  parseCsrRequest,
  RESOURCES,
  validateKubeletClientCsr,
  type CertificateSigningRequest,
  type CertificateSigningRequestCondition,
} from '@skiff/api';
import type { PatchOptions } from '@skiff/client';
import { watch, type ReconcileResult, type SharedInformer } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';

export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
const NODES_GROUP = 'system:nodes';
const APPROVAL: PatchOptions = { subresource: 'approval' };

/** csrInformer is the typed view of the shared CSR cache. */
export function csrInformer(deps: ControllerDeps): SharedInformer<CertificateSigningRequest> {
  return deps.informers.resources.get(RESOURCES.certificatesigningrequests.plural) as unknown as SharedInformer<CertificateSigningRequest>;
}

/** approvalFor says which auto-approval applies to a pending CSR, or undefined to leave it alone. */
export function approvalFor(csr: CertificateSigningRequest): CertificateSigningRequestCondition | undefined {
  if (csr.spec.signerName !== KUBE_APISERVER_CLIENT_KUBELET_SIGNER) return undefined;
  let req;
  try {
    req = parseCsrRequest(csr);
  } catch {
    return undefined;
  }
  if (validateKubeletClientCsr(req, csr.spec.usages ?? [])) return undefined;
  const groups = csr.spec.groups ?? [];
  const cn = req.subjectName.getField('CN')[0];
  // selfnodeclient: a node renewing its own certificate.
  if (groups.includes(NODES_GROUP) && csr.spec.username === cn) {
    return { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' };
  }
  // nodeclient: a new node joining with a bootstrap token.
  if (groups.includes(BOOTSTRAPPERS_GROUP)) {
    return { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' };
  }
  return undefined;
}

export class CsrApprovingController extends ManagedController {
  readonly #csrs: SharedInformer<CertificateSigningRequest>;

  constructor(opts: ControllerDeps) {
    super('csrapproving', opts, 1);
    this.#csrs = csrInformer(opts);
    this.watch([watch.primary(this.#csrs)]);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const csr = this.#csrs.lister().get(name);
    if (!csr) return {};
    if (csr.status?.certificate || hasCsrCondition(csr, 'Approved') || hasCsrCondition(csr, 'Denied')) return {};
    const condition = approvalFor(csr);
    if (!condition) return {};
    const conditions = [...(csr.status?.conditions ?? []), condition];
    // The resourceVersion makes this conditional: a human's decision in between wins (409, then re-read).
    await this.client.resource(RESOURCES.certificatesigningrequests).patch(name, { metadata: { resourceVersion: csr.metadata.resourceVersion }, status: { conditions } }, APPROVAL);
    this.log.info({ csr: name, requestor: csr.spec.username }, 'approved certificate signing request');
    return {};
  }
}
