/**
 * @module requestToken: the serviceaccounts/token subresource (authentication.k8s.io/v1 TokenRequest), as
 * kube-apiserver's pkg/registry/core/serviceaccount/storage/token.go.
 */
import { ApiError, errors, formatTime, RESOURCES, type KubeObject, type StatusCause } from '@skiff/api';
import type { KubernetesClaim, ServiceAccountTokens } from '../auth/service-account-tokens.js';
import type { UserInfo } from '../auth/user-info.js';
import type { Registry } from './registry.js';

/** kube's bounds on spec.expirationSeconds (validation.ValidateTokenRequest). */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
/** The default when a request gives none (TokenRequestSpec's defaulting: one hour). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequest {
  apiVersion: 'authentication.k8s.io/v1';
  kind: 'TokenRequest';
  metadata: { name?: string; namespace?: string; creationTimestamp: string | null };
  spec: { audiences: string[]; expirationSeconds: number; boundObjectRef?: BoundObjectReference };
  status: { token: string; expirationTimestamp: string };
}

const invalid = (name: string, causes: StatusCause[]) => errors.invalid('TokenRequest', 'authentication.k8s.io', name, causes);
const cause = (field: string, message: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** parseTokenRequest checks the body's shape and bounds; every fault is one 422 cause, as kube lists them. */
function parseTokenRequest(body: unknown, saName: string): { audiences: string[]; expirationSeconds: number; bound?: BoundObjectReference } {
  if (!isObject(body)) throw errors.badRequest('the request body must be a TokenRequest object');
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw errors.badRequest(`the request body must be a TokenRequest, got kind "${String(body.kind)}"`);
  if (body.apiVersion !== undefined && body.apiVersion !== 'authentication.k8s.io/v1') throw errors.badRequest(`TokenRequest apiVersion must be authentication.k8s.io/v1, got "${String(body.apiVersion)}"`);
  const spec = body.spec ?? {};
  if (!isObject(spec)) throw invalid(saName, [cause('spec', 'must be an object')]);
  const causes: StatusCause[] = [];
  const audiences = spec.audiences ?? [];
  if (!Array.isArray(audiences) || audiences.some((a) => typeof a !== 'string')) causes.push(cause('spec.audiences', 'must be a list of strings'));
  const exp = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) causes.push(cause('spec.expirationSeconds', `Invalid value: ${JSON.stringify(exp)}: must be an integer`));
  else if (exp < MIN_TOKEN_EXPIRATION_SECONDS) causes.push(cause('spec.expirationSeconds', `Invalid value: ${exp}: may not specify a duration less than 10 minutes`));
  else if (exp > MAX_TOKEN_EXPIRATION_SECONDS) causes.push(cause('spec.expirationSeconds', `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds`));
  const bound = spec.boundObjectRef;
  if (bound !== undefined && bound !== null) {
    if (!isObject(bound)) causes.push(cause('spec.boundObjectRef', 'must be an object'));
    else {
      if (bound.kind !== 'Pod' && bound.kind !== 'Secret') causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: ${JSON.stringify(bound.kind ?? '')}: supported values: "Pod", "Secret"` });
      if (bound.apiVersion !== undefined && bound.apiVersion !== '' && bound.apiVersion !== 'v1') causes.push(cause('spec.boundObjectRef.apiVersion', `Invalid value: ${JSON.stringify(bound.apiVersion)}: must be "v1"`));
      if (typeof bound.name !== 'string' || !bound.name) causes.push({ reason: 'FieldValueRequired', field: 'spec.boundObjectRef.name', message: 'Required value' });
      if (bound.uid !== undefined && typeof bound.uid !== 'string') causes.push(cause('spec.boundObjectRef.uid', 'must be a string'));
    }
  }
  if (causes.length) throw invalid(saName, causes);
  return { audiences: audiences as string[], expirationSeconds: exp as number, ...(isObject(bound) ? { bound: bound as BoundObjectReference } : {}) };
}

/**
 * requestToken issues a token for ServiceAccount `namespace/saName`. A token bound to a Pod or Secret names it in
 * its claims and dies with it (the authenticator checks); the object must exist, match a given uid, and a pod must
 * run as this ServiceAccount. No audiences means the api-server's own.
 */
export async function requestToken(registry: Registry, tokens: ServiceAccountTokens, namespace: string, saName: string, body: unknown, user?: UserInfo): Promise<TokenRequest> {
  const req = parseTokenRequest(body, saName);
  const sa = registry.get(RESOURCES.serviceaccounts, namespace, saName);
  const admitted = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: saName, namespace }, spec: { ...(req.bound ? { boundObjectRef: req.bound } : {}) } };
  registry.admitSubresourceCreate(RESOURCES.serviceaccounts, 'token', admitted as KubeObject, user ? { user } : {});
  const claim: KubernetesClaim = { namespace, serviceaccount: { name: saName, uid: sa.metadata.uid ?? '' } };
  if (req.bound) {
    const { kind, name = '', uid } = req.bound;
    const info = kind === 'Pod' ? RESOURCES.pods : RESOURCES.secrets;
    const obj = registry.get(info, namespace, name);
    if (uid && uid !== obj.metadata.uid) {
      throw new ApiError({
        reason: 'Conflict',
        message: `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        details: { name, kind: info.plural },
      });
    }
    const ref = { name, uid: obj.metadata.uid ?? '' };
    if (kind === 'Pod') {
      const spec = (obj as KubeObject & { spec?: { serviceAccountName?: string; nodeName?: string } }).spec;
      if (spec?.serviceAccountName !== saName) throw errors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
      claim.pod = ref;
      // kube 1.30+: a pod-bound token also names the pod's node, when the Node is known.
      const nodeName = spec.nodeName;
      const node = nodeName ? registry.store.get(registry.key(RESOURCES.nodes, undefined, nodeName)) : undefined;
      if (node) claim.node = { name: nodeName!, uid: node.metadata.uid ?? '' };
    } else claim.secret = ref;
  }
  const audiences = req.audiences.length ? req.audiences : tokens.apiAudiences;
  const { token, expiresAt } = await tokens.issue({ claim, audiences, expirationSeconds: req.expirationSeconds });
  const meta = isObject(body) && isObject(body.metadata) ? body.metadata : {};
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { ...(typeof meta.name === 'string' ? { name: meta.name } : { name: saName }), namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: req.expirationSeconds, ...(req.bound ? { boundObjectRef: { ...req.bound, apiVersion: 'v1', uid: claim.pod?.uid ?? claim.secret?.uid ?? '' } } : {}) },
    status: { token, expirationTimestamp: formatTime(expiresAt) },
  };
}
