/**
 * @module forbidden: kube-apiserver's 403 Status for a request its authorizers did not allow.
 */
import { ApiError, groupResource, type StatusDetails } from '@skiff/api';
import type { Attributes } from './authorizer.js';

/**
 * forbidden words the denial as kube's responsewriters.Forbidden does, e.g.
 * `pods "web" is forbidden: User "jane" cannot get resource "pods" in API group "" in the namespace "default"`
 * or `forbidden: User "system:anonymous" cannot get path "/api"`, with the authorizer's reason after a colon.
 */
export function forbidden(a: Attributes, reason: string): ApiError {
  const user = a.user.username;
  let message: string;
  const details: StatusDetails = {};
  if (!a.resourceRequest) {
    message = `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"`;
  } else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const subject = groupResource(a.resource, a.apiGroup);
    const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    message = `${a.name ? `${subject} "${a.name}"` : subject} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
    if (a.name) details.name = a.name;
    if (a.apiGroup) details.group = a.apiGroup;
    details.kind = a.resource;
  }
  if (reason) message += `: ${reason}`;
  return new ApiError({ reason: 'Forbidden', message, ...(Object.keys(details).length ? { details } : {}) });
}
