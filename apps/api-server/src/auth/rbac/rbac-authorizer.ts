/**
 * @module rbacAuthorizer: kube's RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go) over an RbacIndex.
 */
import { NO_OPINION, type Authorizer } from '../authorizer.js';
import { ruleAllows } from './policy-rules.js';
import type { RbacIndex, RuleSource } from './rbac-index.js';

/** describeSource words a grant as kube's allowed reason does. */
function describeSource(s: RuleSource): string {
  const b = s.binding;
  const binding = b.kind === 'RoleBinding' ? `RoleBinding "${b.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${s.subject.kind} "${s.subject.name}" in namespace "${b.namespace}"` : `ClusterRoleBinding "${b.name}" of ClusterRole "${b.roleRef.name}" to ${s.subject.kind} "${s.subject.name}"`;
  return binding;
}

/**
 * rbacAuthorizer allows a request when a rule of a role bound to the user (ClusterRoleBindings, then the
 * RoleBindings of the request's namespace) allows it; otherwise it has no opinion, with the reason kube gives:
 * empty, or `RBAC: <errors>` when a binding names a role that does not exist.
 */
export function rbacAuthorizer(index: RbacIndex): Authorizer {
  return {
    authorize(attrs) {
      let allowedBy: RuleSource | undefined;
      const errors: string[] = [];
      index.visitRulesFor(attrs.user, attrs.namespace, (s) => {
        if (s.error) errors.push(s.error);
        if (s.rules.some((r) => ruleAllows(attrs, r))) {
          allowedBy = s;
          return false;
        }
        return true;
      });
      if (allowedBy) return { decision: 'allow', reason: `RBAC: allowed by ${describeSource(allowedBy)}` };
      if (errors.length === 0) return NO_OPINION;
      return { decision: 'noOpinion', reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
    },
  };
}
