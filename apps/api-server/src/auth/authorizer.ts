/**
 * @module Authorizers (kube's authorizer.Authorizer): the attributes of a request, decisions, and the union of
 * authorizers tried in turn (kube-apiserver --authorization-mode=Node,RBAC).
 */
import { SYSTEM_MASTERS, type UserInfo } from './user-info.js';

/**
 * Attributes describe what a request does (kube's authorizer.AttributesRecord). A resource request names verb,
 * apiGroup, resource, and where they apply subresource, namespace and name; a non-resource request names the path.
 */
export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource paths the lowercase HTTP method. */
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** The URL path, for non-resource requests (/healthz, /version, /api). */
  path: string;
  /** A list's or watch's `fieldSelector`, as sent (the Node authorizer lets a node list only its own pods). */
  fieldSelector?: string;
}

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizerResult {
  decision: Decision;
  /** Why, appended to the 403 message (kube: `...: reason`); empty when there is nothing to add. */
  reason: string;
}

/** Authorizer decides one request; it must be synchronous-fast (it runs before every request). */
export interface Authorizer {
  authorize(attrs: Attributes): AuthorizerResult;
}

export const ALLOW: AuthorizerResult = Object.freeze({ decision: 'allow', reason: '' }) as AuthorizerResult;
export const NO_OPINION: AuthorizerResult = Object.freeze({ decision: 'noOpinion', reason: '' }) as AuthorizerResult;

/** privilegedGroupAuthorizer allows every request from system:masters, before any other authorizer is asked. */
export const privilegedGroupAuthorizer: Authorizer = {
  authorize: (a) => (a.user.groups.includes(SYSTEM_MASTERS) ? ALLOW : NO_OPINION),
};

/** alwaysAllowAuthorizer is --authorization-mode=AlwaysAllow (servers built without authorization: tests). */
export const alwaysAllowAuthorizer: Authorizer = { authorize: () => ALLOW };

/**
 * unionAuthorizer asks each authorizer in order: the first allow or deny decides; if none has an opinion the
 * request is denied, with the reasons the authorizers gave joined.
 */
export function unionAuthorizer(list: Authorizer[]): Authorizer {
  return {
    authorize(attrs) {
      const reasons: string[] = [];
      for (const a of list) {
        const r = a.authorize(attrs);
        if (r.decision !== 'noOpinion') return r;
        if (r.reason) reasons.push(r.reason);
      }
      return { decision: 'noOpinion', reason: reasons.join(', ') };
    },
  };
}
