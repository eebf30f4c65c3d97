/**
 * @module certificateSigningRequestKind: certificates.k8s.io/v1 CertificateSigningRequest, how node agents (and
 * anyone allowed) ask the cluster's signers for a client certificate. The requester (spec.username, groups, uid,
 * extra) is set by the server from who creates it; approval conditions change only through `approval`, the issued
 * certificate only through `status` (kube's csrStrategy, csrStatusStrategy and csrApprovalStrategy).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { formatTime } from '../format-time.js';
import type { ObjectMeta } from '../meta.js';
import { humanDuration, sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, NONE } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { atomicList, int, mapList } from '../validation/schema-helpers.js';
import { loadX509, type X509 } from '../x509.js';
import { defineKind, type Requester } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export type CsrConditionType = 'Approved' | 'Denied' | 'Failed';

export interface CertificateSigningRequestCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface CertificateSigningRequestSpec {
  /** base64 of a PEM "CERTIFICATE REQUEST" block. */
  request: string;
  signerName: string;
  expirationSeconds?: number;
  usages?: string[];
  /** Set by the server from the creating user; anything the body says is dropped. */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface CertificateSigningRequest {
  apiVersion: 'certificates.k8s.io/v1';
  kind: 'CertificateSigningRequest';
  metadata: ObjectMeta;
  spec: CertificateSigningRequestSpec;
  status?: { conditions?: CertificateSigningRequestCondition[]; certificate?: string };
}

/** The signers kube-controller-manager knows (certificates/v1 well-known signers). */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

/** KEY_USAGES are the values spec.usages may hold (certificates.KeyUsage). */
export const KEY_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
] as const;

const conditionSchema = lazySchema(() => zod.object({
  type: zod.string().default(''),
  status: zod.string().default(''),
  reason: zod.string().optional(),
  message: zod.string().optional(),
  lastUpdateTime: zod.string().optional(),
  lastTransitionTime: zod.string().optional(),
}));

/** certificateSigningRequestSchema decodes certificates.k8s.io/v1 CertificateSigningRequest. */
export const certificateSigningRequestSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('certificates.k8s.io/v1'),
  kind: zod.literal('CertificateSigningRequest'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      request: zod.string().default('').describe('request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.'),
      signerName: zod.string().default('').describe('signerName indicates the requested signer, and is a qualified name.'),
      expirationSeconds: int().optional().describe('expirationSeconds is the requested duration of validity of the issued certificate.'),
      usages: atomicList(zod.string()).optional().describe('usages specifies a set of key usages requested in the issued certificate.'),
      username: zod.string().optional().describe('username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
      uid: zod.string().optional().describe('uid contains the uid of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
      groups: atomicList(zod.string()).optional().describe('groups contains group membership of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
      extra: zod.record(zod.string(), zod.array(zod.string())).optional().describe('extra contains extra attributes of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
    })
    .default({ request: '', signerName: '' }),
  status: zod
    .object({
      conditions: mapList(conditionSchema(), ['type'], { patchMerge: false }).optional().describe('conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
      certificate: zod.string().optional().describe('certificate is populated with an issued certificate by the signer after an Approved condition is present.'),
    })
    .optional(),
}) satisfies z.ZodType<CertificateSigningRequest>);

/** csrPem decodes spec.request (base64 in JSON) to its PEM text. */
export function csrPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec.request, 'base64').toString('utf8');
}

/** parseCsrRequest parses spec.request; it throws when it is not one PEM CERTIFICATE REQUEST. */
export function parseCsrRequest(csr: CertificateSigningRequest): X509.Pkcs10CertificateRequest {
  const pem = csrPem(csr);
  if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  return new (loadX509().Pkcs10CertificateRequest)(pem);
}

/** hasCondition says whether the CSR carries `type` with status True. */
export function hasCsrCondition(csr: CertificateSigningRequest, type: CsrConditionType): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

const QUALIFIED_SIGNER = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?(\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)*$/;

/** TRUE_ONLY_TYPES are the condition types whose status may only be True (kube's trueConditionTypes). */
const TRUE_ONLY_TYPES = new Set(['Approved', 'Denied', 'Failed']);
const ALL_STATUSES = ['False', 'True', 'Unknown'];

/**
 * validateConditions is kube's validateConditions: every condition needs a type and a status, Approved, Denied and
 * Failed only with status True, no type twice, never Approved with Denied. An update tolerates an empty type,
 * a repeated type or Approved with Denied when the stored object already has it (kube's getValidationOptions).
 */
function validateConditions(csr: CertificateSigningRequest, errs: FieldErrors, old: CertificateSigningRequest | undefined): void {
  const oldTypes = (old?.status?.conditions ?? []).map((c) => c.type);
  const allowEmptyType = oldTypes.includes('');
  const allowDuplicateTypes = new Set(oldTypes).size < oldTypes.length;
  const allowApprovedAndDenied = oldTypes.includes('Approved') && oldTypes.includes('Denied');
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  (csr.status?.conditions ?? []).forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    if (!c.type && !allowEmptyType) errs.required(`${at}.type`);
    const allowed = TRUE_ONLY_TYPES.has(c.type) ? ['True'] : ALL_STATUSES;
    if (!c.status) errs.required(`${at}.status`);
    else if (!allowed.includes(c.status)) errs.notSupported(`${at}.status`, c.status, allowed);
    if (!allowApprovedAndDenied && (c.type === 'Approved' || c.type === 'Denied')) {
      if (c.type === 'Approved') approved = true;
      else denied = true;
      if (approved && denied) errs.invalid(`${at}.type`, c.type, 'Approved and Denied conditions are mutually exclusive');
    }
    if (!allowDuplicateTypes && seen.has(c.type)) errs.duplicate(`${at}.type`, c.type);
    seen.add(c.type);
  });
}

/** validateCsr is ValidateCertificateSigningRequestCreate plus the update rules of each subresource. */
function validateCsr(csr: CertificateSigningRequest, errs: FieldErrors, old?: CertificateSigningRequest): void {
  const spec = csr.spec;
  if (!old) {
    if (!spec.request) errs.required('spec.request');
    else {
      try {
        parseCsrRequest(csr);
      } catch (err) {
        errs.invalid('spec.request', '<request>', `${(err as Error).message || 'not a valid certificate request'}`);
      }
    }
    if (!spec.signerName) errs.required('spec.signerName');
    else if (!QUALIFIED_SIGNER.test(spec.signerName)) errs.invalid('spec.signerName', spec.signerName, 'must be a fully qualified domain and path of the form \'example.com/signer-name\'');
    if (!spec.usages?.length) errs.required('spec.usages', 'usages must be provided');
    (spec.usages ?? []).forEach((u, i) => {
      if (!(KEY_USAGES as readonly string[]).includes(u)) errs.notSupported(`spec.usages[${i}]`, u, KEY_USAGES);
    });
    if (spec.expirationSeconds != null && spec.expirationSeconds < 600) errs.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)');
  }
  validateConditions(csr, errs, old);
  const cert = csr.status?.certificate;
  if (cert) {
    const pem = Buffer.from(cert, 'base64').toString('utf8');
    try {
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no CERTIFICATE PEM block');
      new (loadX509().X509Certificate)(pem);
    } catch (err) {
      errs.invalid('status.certificate', '<certificate data>', (err as Error).message);
    }
    if (!hasCsrCondition(csr, 'Approved')) errs.invalid('status.certificate', '<certificate data>', 'certificate may only be set if the Approved condition is present');
    if (hasCsrCondition(csr, 'Failed')) errs.invalid('status.certificate', '<certificate data>', 'certificate may not be set if the Failed condition is present');
  }
  if (!old) return;
  for (const type of ['Approved', 'Denied', 'Failed'] as const) {
    if (hasCsrCondition(old, type) && !hasCsrCondition(csr, type)) errs.forbidden('status.conditions', `updates may not remove a condition of type "${type}"`);
  }
  const oldCert = old.status?.certificate;
  if (oldCert && cert !== oldCert) errs.forbidden('status.certificate', 'updates may not modify existing certificate content');
}

/** The condition types each write path may add or remove: Approved and Denied only through approval. */
const APPROVAL_TYPES = new Set(['Approved', 'Denied']);

/** carryConditions keeps the conditions of `types` as `from` has them and the rest as `to` has them. */
function carryConditions(to: CertificateSigningRequest, from: CertificateSigningRequest, keepFromTypes: (type: string) => boolean): void {
  const mine = (to.status?.conditions ?? []).filter((c) => !keepFromTypes(c.type));
  const theirs = (from.status?.conditions ?? []).filter((c) => keepFromTypes(c.type));
  const conditions = [...theirs, ...mine];
  to.status = { ...to.status, ...(conditions.length ? { conditions } : {}) };
  if (!conditions.length) delete to.status.conditions;
}

/** stampConditions fills lastUpdateTime/lastTransitionTime of new or changed conditions (populateConditionTimestamps). */
function stampConditions(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined, now: string): void {
  for (const c of csr.status?.conditions ?? []) {
    const prev = old?.status?.conditions?.find((o) => o.type === c.type);
    c.lastUpdateTime ??= now;
    if (!c.lastTransitionTime) c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  }
}

/** extractCsrStatus is kubectl's CONDITION column (kube printers.go extractCSRStatus). */
export function extractCsrStatus(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

export const certificateSigningRequestKind = defineKind({
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  namespaced: false,
  shortNames: ['csr'],
  hasStatus: true,
  subresources: [{ name: 'approval', kind: 'CertificateSigningRequest', group: 'certificates.k8s.io', version: 'v1', verbs: ['get', 'patch', 'update'] }],
  schema: certificateSigningRequestSchema,
  validate: validateCsr,
  fields: { 'spec.signerName': (c) => c.spec.signerName },
  // kube printers.go printCertificateSigningRequest.
  printer: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column('SignerName', 'Only use this signer'),
      column('Requestor', 'Name of requestor'),
      column('RequestedDuration', 'Requested duration of the certificate'),
      column('Condition', 'Condition of the request'),
    ],
    // A Table may print an object without a spec (a partial object in a list): cells read it defensively.
    cells: (c, nowMs) => [
      c.metadata.name ?? '',
      sinceTimestamp(c.metadata.creationTimestamp, nowMs),
      c.spec?.signerName ?? '',
      c.spec?.username ?? '',
      c.spec?.expirationSeconds != null ? humanDuration(c.spec.expirationSeconds * 1000) : NONE,
      extractCsrStatus(c),
    ],
  },
  strategy: {
    prepareForCreate(csr, requester?: Requester) {
      // The requester is who the server authenticated, never what the body claims.
      delete csr.spec.username;
      delete csr.spec.uid;
      delete csr.spec.groups;
      delete csr.spec.extra;
      if (requester) {
        csr.spec.username = requester.username;
        if (requester.uid) csr.spec.uid = requester.uid;
        csr.spec.groups = [...requester.groups];
        if (requester.extra && Object.keys(requester.extra).length) csr.spec.extra = structuredClone(requester.extra);
      }
      csr.status = {};
    },
    prepareForUpdate(csr, old, subresource, ctx) {
      // Nothing changes the spec after create; each path owns its part of the status.
      csr.spec = structuredClone(old.spec);
      if (subresource === 'approval') {
        const conditions = csr.status?.conditions;
        csr.status = structuredClone(old.status ?? {});
        if (conditions) csr.status.conditions = conditions;
        carryConditions(csr, old, (t) => !APPROVAL_TYPES.has(t));
      } else if (subresource === 'status') {
        carryConditions(csr, old, (t) => APPROVAL_TYPES.has(t));
      } else {
        csr.status = structuredClone(old.status ?? {});
      }
      stampConditions(csr, old, formatTime(ctx?.now() ?? Date.now()));
    },
  },
});

/** The usage sets a kubelet client CSR must have exactly (kube's kubeletClientRequiredUsages, and without RSA). */
const KUBELET_CLIENT_USAGES = [['digital signature', 'key encipherment', 'client auth'], ['digital signature', 'client auth']];

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === b.length && b.every((x) => a.includes(x));

/**
 * validateKubeletClientCsr is kube's ValidateKubeletClientCSR: subject O=system:nodes only, CN system:node:NAME,
 * no SANs, and the kubelet client usages exactly. It returns why not, or undefined for a kubelet client CSR.
 */
export function validateKubeletClientCsr(req: X509.Pkcs10CertificateRequest, usages: readonly string[]): string | undefined {
  const subject = req.subjectName;
  const orgs = subject.getField('O');
  if (orgs.length !== 1 || orgs[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  const ext = req.getExtension(SUBJECT_ALT_NAME_OID);
  if (ext) {
    const kinds = new Set(new (loadX509().SubjectAlternativeNameExtension)(ext.rawData).names.items.map((n) => n.type));
    if (kinds.has('dns')) return 'DNS subjectAltNames are not allowed';
    if (kinds.has('email')) return 'Email subjectAltNames are not allowed';
    if (kinds.has('ip')) return 'IP subjectAltNames are not allowed';
    if (kinds.has('url')) return 'URI subjectAltNames are not allowed';
  }
  const cn = subject.getField('CN');
  if (cn.length !== 1 || !cn[0]!.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!KUBELET_CLIENT_USAGES.some((u) => sameSet(usages, u))) return `usages did not match [${KUBELET_CLIENT_USAGES[0]!.join(' ')}]`;
  return undefined;
}
