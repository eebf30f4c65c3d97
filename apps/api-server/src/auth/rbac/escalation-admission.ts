/**
 * @module rbacEscalationAdmission: kube's RBAC escalation prevention (pkg/registry/rbac/{role,clusterrole,
 * rolebinding,clusterrolebinding}/policybased). A user may write a Role or ClusterRole only with rules they hold
 * themselves, or with the `escalate` verb on it; a RoleBinding or ClusterRoleBinding only to a role whose rules they
 * hold, or with the `bind` verb on that role. system:masters may do both.
 */
import { ApiError, groupResource, RBAC_GROUP, type KubeObject, type PolicyRule, type ResourceInfo, type RoleRef } from '@skiff/api';
import type { AdmissionPlugin } from '../../admission/admission.js';
import type { Authorizer } from '../authorizer.js';
import { SYSTEM_MASTERS, type UserInfo } from '../user-info.js';
import { describeRules, uncoveredRules } from './policy-rules.js';
import type { RbacIndex } from './rbac-index.js';

/** Everything: what setting an aggregationRule needs, since it can gather any rule (kube's fullAuthority). */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const ROLES = new Set(['roles', 'clusterroles']);
const BINDINGS = new Set(['rolebindings', 'clusterrolebindings']);

export interface EscalationAdmissionOptions {
  /** The rules each user holds. */
  index: RbacIndex;
  /** The server's authorizer, asked for `escalate` and `bind` (any mode may grant them, as in kube). */
  authorizer: Authorizer;
}

function forbidden(info: ResourceInfo, name: string, detail: string): ApiError {
  const resource = groupResource(info.plural, info.group);
  return new ApiError({ reason: 'Forbidden', message: `${resource} "${name}" is forbidden: ${detail}`, details: { name, group: info.group, kind: info.plural } });
}

/**
 * onlyGCFieldsChanged is kube's IsOnlyMutatingGCFields: an update touching only ownerReferences and finalizers (the
 * garbage collector's) needs no escalation check. Labels are not among them: they choose what aggregates into view.
 */
function onlyGCFieldsChanged(obj: KubeObject, old: KubeObject | undefined): boolean {
  if (!old) return false;
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = o.metadata;
    return JSON.stringify({ ...o, metadata: meta });
  };
  return strip(obj) === strip(old);
}

export function rbacEscalationAdmission(opts: EscalationAdmissionOptions): AdmissionPlugin {
  const { index, authorizer } = opts;

  /** confirmNoEscalation is ConfirmNoEscalation: refuse rules the user does not hold in `namespace`. */
  function confirmNoEscalation(user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
    const held = index.rulesFor(user, namespace);
    const missing = uncoveredRules(held.rules, rules);
    if (missing.length === 0) return undefined;
    const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    let msg = `user ${JSON.stringify(user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${describeRules(missing).join('\n')}`;
    if (held.errors.length) msg += `; resolution errors: [${held.errors.join(' ')}]`;
    return msg;
  }

  function allowedTo(user: UserInfo, verb: 'escalate' | 'bind', resource: string, namespace: string, name: string): boolean {
    const attrs = { user, verb, resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: '*', resource, subresource: '', namespace, name, path: '' };
    return authorizer.authorize(attrs).decision === 'allow';
  }

  return {
    name: 'RBACEscalation',
    handles: (info, subresource) => info.group === RBAC_GROUP && subresource === '' && (ROLES.has(info.plural) || BINDINGS.has(info.plural)),
    validate(a) {
      if (a.operation === 'DELETE' || a.user.groups.includes(SYSTEM_MASTERS)) return;
      if (onlyGCFieldsChanged(a.object, a.oldObject)) return;
      const namespace = a.info.namespaced ? a.namespace : '';
      if (ROLES.has(a.info.plural)) {
        if (allowedTo(a.user, 'escalate', a.info.plural, namespace, a.name)) return;
        const aggregation = (o: KubeObject | undefined) => JSON.stringify((o as { aggregationRule?: unknown } | undefined)?.aggregationRule);
        if ((a.object as { aggregationRule?: unknown }).aggregationRule && aggregation(a.object) !== aggregation(a.oldObject) && confirmNoEscalation(a.user, '', FULL_AUTHORITY)) {
          throw forbidden(a.info, a.name, 'must have cluster-admin privileges to use the aggregationRule');
        }
        const problem = confirmNoEscalation(a.user, namespace, (a.object as { rules?: PolicyRule[] }).rules ?? []);
        if (problem) throw forbidden(a.info, a.name, problem);
        return;
      }
      const ref = (a.object as unknown as { roleRef: RoleRef }).roleRef;
      const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      if (allowedTo(a.user, 'bind', roleResource, namespace, ref.name)) return;
      const { rules, error } = index.roleRules(ref, namespace);
      if (error) throw forbidden(a.info, a.name, error);
      const problem = confirmNoEscalation(a.user, namespace, rules);
      if (problem) throw forbidden(a.info, a.name, problem);
    },
  };
}
