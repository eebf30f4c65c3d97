/**
 * @module ensureBootstrapPolicy: creates the default ClusterRoles and ClusterRoleBindings at startup and
 * reconciles them as kube-apiserver's RBAC post-start hook does: missing objects are created; existing ones marked
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` get back missing rules, labels, annotations, selectors and
 * subjects (additions by an admin are kept); "false" leaves the object exactly as the admin wrote it.
 */
import { aggregateRules, RESOURCES, type ClusterRole, type ClusterRoleBinding, type KubeObject, type PolicyRule } from '@skiff/api';
import type { Registry } from '../registry/registry.js';
import { uncoveredRules } from '../auth/rbac/policy-rules.js';
import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from './bootstrap-policy.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function mergeMeta(current: KubeObject, want: KubeObject): KubeObject {
  const next = structuredClone(current);
  next.metadata.labels = { ...want.metadata.labels, ...current.metadata.labels };
  next.metadata.annotations = { ...want.metadata.annotations, ...current.metadata.annotations };
  return next;
}

function reconcileRole(current: ClusterRole, want: ClusterRole): ClusterRole {
  const next = mergeMeta(current, want) as ClusterRole;
  if (want.aggregationRule) {
    // Aggregated roles' rules belong to the aggregation controller; only their selectors are reconciled.
    const selectors = [...(current.aggregationRule?.clusterRoleSelectors ?? [])];
    for (const s of want.aggregationRule.clusterRoleSelectors ?? []) if (!selectors.some((c) => same(c, s))) selectors.push(s);
    next.aggregationRule = { clusterRoleSelectors: selectors };
    return next;
  }
  const missing: PolicyRule[] = want.rules?.filter((r) => uncoveredRules(current.rules ?? [], [r]).length > 0) ?? [];
  next.rules = [...(current.rules ?? []), ...missing];
  return next;
}

function reconcileBinding(current: ClusterRoleBinding, want: ClusterRoleBinding): ClusterRoleBinding {
  const next = mergeMeta(current, want) as ClusterRoleBinding;
  const subjects = [...(current.subjects ?? [])];
  for (const s of want.subjects ?? []) if (!subjects.some((c) => c.kind === s.kind && c.name === s.name && (c.namespace ?? '') === (s.namespace ?? ''))) subjects.push(s);
  next.subjects = subjects;
  return next;
}

export function ensureBootstrapPolicy(registry: Registry): void {
  const roles = RESOURCES.clusterroles;
  const stored = (name: string) => registry.store.get(registry.key(roles, undefined, name)) as ClusterRole | undefined;
  // Aggregated roles start with the union of the default roles they select (view feeds edit feeds admin), so
  // RBAC answers right away, before any controller-manager has run.
  const initial = new Map(BOOTSTRAP_CLUSTER_ROLES.map((r) => [r.metadata.name!, structuredClone(r)]));
  for (let pass = 0; pass < initial.size; pass++) {
    let changed = false;
    for (const r of initial.values()) {
      const rules = aggregateRules(r, initial.values());
      if (rules && !same(rules, r.rules)) {
        r.rules = rules;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const want of initial.values()) {
    const current = stored(want.metadata.name!);
    if (!current) registry.createDecoded(roles, undefined, structuredClone(want));
    else if (current.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'false') {
      const next = reconcileRole(current, want);
      if (!same(next, current)) registry.replace(roles, current, next);
    }
  }
  const bindings = RESOURCES.clusterrolebindings;
  for (const want of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) {
    const key = registry.key(bindings, undefined, want.metadata.name!);
    const current = registry.store.get(key) as ClusterRoleBinding | undefined;
    if (!current) {
      registry.createDecoded(bindings, undefined, structuredClone(want));
    } else if (current.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'false') {
      if (!same(current.roleRef, want.roleRef)) {
        // roleRef is immutable: kube's reconciler deletes and recreates a binding that points elsewhere.
        registry.store.delete(key);
        registry.createDecoded(bindings, undefined, reconcileBinding({ ...current, roleRef: want.roleRef, metadata: { ...current.metadata, resourceVersion: undefined } } as ClusterRoleBinding, want));
        continue;
      }
      const next = reconcileBinding(current, want);
      if (!same(next, current)) registry.replace(bindings, current, next);
    }
  }
}
