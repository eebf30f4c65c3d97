/**
 * @module reviewHandler: the create-only reviews (kube's pkg/registry/authorization and authentication
 * selfsubjectreview). They ask the server's authorizer about a request, or echo the caller's identity, and store
 * nothing: `kubectl auth can-i` (SelfSubjectAccessReview, `--list`: SelfSubjectRulesReview) and `kubectl auth whoami`.
 */
import { decodeBody, errors, FieldErrors, type AccessReview, type BodyKind, type RulesReview, type SelfSubjectReview, type NonResourceAttributes, type PolicyRule, type ResourceAttributes, type ResourceInfo } from '@skiff/api';
import type { Attributes, Authorizer } from '../auth/authorizer.js';
import { SYSTEM_MASTERS, type UserInfo } from '../auth/user-info.js';

/** RuleResolver lists the rules a user holds in a namespace (RBAC's RulesFor), for SelfSubjectRulesReview. */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
}

export interface ReviewDeps {
  authorizer: Authorizer;
  rules?: RuleResolver;
  now(): number;
}

/** ReviewRequest is one POST to a review resource: who sent it, where, and its decoded-JSON body. */
export interface ReviewRequest {
  info: ResourceInfo;
  user: UserInfo;
  /** The URL's namespace (LocalSubjectAccessReview). */
  namespace: string;
  body: unknown;
}

function attributesOf(user: UserInfo, spec: { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes }): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return { user, verb: r.verb ?? '', resourceRequest: true, apiGroup: r.group ?? '', apiVersion: r.version ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '', path: '' };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: n.path ?? '' };
}

/** validateSpec is ValidateSubjectAccessReviewSpec (and its Self and Local variants). */
function validateSpec(kind: string, review: AccessReview, namespace: string): void {
  const errs = new FieldErrors();
  const spec = review.spec;
  if (spec.resourceAttributes && spec.nonResourceAttributes) errs.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes');
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) errs.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
  if (kind !== 'SelfSubjectAccessReview' && !spec.user && !(spec.groups ?? []).length) errs.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified');
  if (kind === 'LocalSubjectAccessReview') {
    if (spec.nonResourceAttributes) errs.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request');
    if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== namespace) errs.invalid('spec.resourceAttributes.namespace', spec.resourceAttributes.namespace ?? '', 'must match metadata.namespace');
  }
  if (errs.length) throw errors.invalid(kind, 'authorization.k8s.io', review.metadata.name ?? '', errs.causes);
}

/** handleReview answers one review with the object sent, its status filled in (201, as kube-apiserver). */
export function handleReview(deps: ReviewDeps, r: ReviewRequest): unknown {
  const kind = r.info.kind as BodyKind;
  const object = decodeBody(kind, r.body, { fieldValidation: 'Ignore' }).object as AccessReview | RulesReview | SelfSubjectReview;
  const creationTimestamp = new Date(deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  switch (r.info.kind) {
    case 'SelfSubjectReview': {
      const userInfo: Record<string, unknown> = { username: r.user.username };
      if (r.user.uid) userInfo.uid = r.user.uid;
      if (r.user.groups.length) userInfo.groups = r.user.groups;
      if (r.user.extra && Object.keys(r.user.extra).length) userInfo.extra = r.user.extra;
      return { ...object, metadata: { ...object.metadata, creationTimestamp }, status: { userInfo } };
    }
    case 'SelfSubjectRulesReview': {
      const namespace = (object as RulesReview).spec.namespace ?? '';
      if (!namespace) throw errors.badRequest('no namespace on request');
      return { ...object, status: rulesStatus(deps, r.user, namespace) };
    }
    default: {
      const review = object as AccessReview;
      if (r.info.kind === 'LocalSubjectAccessReview') {
        if (!r.namespace) throw errors.badRequest('namespace is required on this type');
        review.metadata.namespace ??= r.namespace;
      }
      validateSpec(r.info.kind, review, r.namespace);
      const spec = review.spec;
      const subject: UserInfo =
        r.info.kind === 'SelfSubjectAccessReview'
          ? r.user
          : { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
      const { decision, reason } = deps.authorizer.authorize(attributesOf(subject, spec));
      const status: Record<string, unknown> = { allowed: decision === 'allow' };
      if (decision === 'deny') status.denied = true;
      if (reason) status.reason = reason;
      return { ...review, status };
    }
  }
}

/** rulesStatus is SubjectRulesReviewStatus: the rules RBAC grants, plus everything for system:masters. */
function rulesStatus(deps: ReviewDeps, user: UserInfo, namespace: string): Record<string, unknown> {
  const resourceRules: Record<string, unknown>[] = [];
  const nonResourceRules: Record<string, unknown>[] = [];
  if (user.groups.includes(SYSTEM_MASTERS)) {
    resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
  }
  const found = deps.rules?.rulesFor(user, namespace) ?? { rules: [], errors: [] };
  for (const rule of found.rules) {
    if ((rule.nonResourceURLs ?? []).length) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
    else resourceRules.push({ verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) });
  }
  const status: Record<string, unknown> = { resourceRules, nonResourceRules, incomplete: !deps.rules || found.errors.length > 0 };
  if (found.errors.length) status.evaluationError = found.errors.join(', ');
  return status;
}
