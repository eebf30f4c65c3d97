/**
 * @module RbacIndex: the Roles, ClusterRoles and bindings held in memory and kept current from the store's change
 * stream (kube's RBAC authorizer reads informer caches the same way), so authorizing a request never reads the store.
 */
import { groupResource, RESOURCES, type ClusterRole, type ClusterRoleBinding, type KubeObject, type PolicyRule, type Role, type RoleBinding, type RoleRef, type Subject } from '@skiff/api';
import type { ChangeEvent, Storage } from '../../storage/storage.js';
import type { UserInfo } from '../user-info.js';
import { appliesTo } from './policy-rules.js';

const resourceOf = (info: { plural: string; group: string }): string => groupResource(info.plural, info.group);
const CLUSTER_ROLES = resourceOf(RESOURCES.clusterroles);
const ROLES = resourceOf(RESOURCES.roles);
const CLUSTER_ROLE_BINDINGS = resourceOf(RESOURCES.clusterrolebindings);
const ROLE_BINDINGS = resourceOf(RESOURCES.rolebindings);

/** A binding as the index keeps it: where it came from, for the authorizer's "allowed by" reason. */
export interface IndexedBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  namespace: string;
  name: string;
  subjects: Subject[];
  roleRef: RoleRef;
}

/** RuleSource is one binding's grant to a user: the role's rules, or why they could not be read. */
export interface RuleSource {
  binding: IndexedBinding;
  subject: Subject;
  rules: readonly PolicyRule[];
  /** Set when the role the binding names does not exist (kube: `clusterrole.rbac.authorization.k8s.io "x" not found`). */
  error?: string;
}

export class RbacIndex {
  readonly #clusterRoles = new Map<string, ClusterRole>();
  readonly #roles = new Map<string, Role>();
  readonly #clusterRoleBindings = new Map<string, IndexedBinding>();
  /** RoleBindings by namespace, then name. */
  readonly #roleBindings = new Map<string, Map<string, IndexedBinding>>();
  readonly #unsubscribe: () => void;

  constructor(store: Storage) {
    // Subscribe first, then read: a commit between the two is applied twice, which is harmless (set by key).
    this.#unsubscribe = store.subscribe((e) => this.#apply(e));
    for (const resource of [CLUSTER_ROLES, ROLES, CLUSTER_ROLE_BINDINGS, ROLE_BINDINGS]) {
      for (const obj of store.list(resource).items) this.#set(resource, obj);
    }
  }

  close(): void {
    this.#unsubscribe();
  }

  #apply(e: ChangeEvent): void {
    if (e.resource !== CLUSTER_ROLES && e.resource !== ROLES && e.resource !== CLUSTER_ROLE_BINDINGS && e.resource !== ROLE_BINDINGS) return;
    if (e.type === 'DELETED') this.#delete(e.resource, e.namespace, e.name);
    else this.#set(e.resource, e.object);
  }

  #set(resource: string, obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    const ns = obj.metadata.namespace ?? '';
    switch (resource) {
      case CLUSTER_ROLES:
        this.#clusterRoles.set(name, obj as ClusterRole);
        break;
      case ROLES:
        this.#roles.set(`${ns}/${name}`, obj as Role);
        break;
      case CLUSTER_ROLE_BINDINGS: {
        const b = obj as unknown as ClusterRoleBinding;
        this.#clusterRoleBindings.set(name, { kind: 'ClusterRoleBinding', namespace: '', name, subjects: b.subjects ?? [], roleRef: b.roleRef });
        break;
      }
      case ROLE_BINDINGS: {
        const b = obj as unknown as RoleBinding;
        let byName = this.#roleBindings.get(ns);
        if (!byName) this.#roleBindings.set(ns, (byName = new Map()));
        byName.set(name, { kind: 'RoleBinding', namespace: ns, name, subjects: b.subjects ?? [], roleRef: b.roleRef });
        break;
      }
    }
  }

  #delete(resource: string, ns: string, name: string): void {
    if (resource === CLUSTER_ROLES) this.#clusterRoles.delete(name);
    else if (resource === ROLES) this.#roles.delete(`${ns}/${name}`);
    else if (resource === CLUSTER_ROLE_BINDINGS) this.#clusterRoleBindings.delete(name);
    else {
      const byName = this.#roleBindings.get(ns);
      byName?.delete(name);
      if (byName?.size === 0) this.#roleBindings.delete(ns);
    }
  }

  /**
   * roleRules is GetRoleReferenceRules: the rules of the Role (in `namespace`) or ClusterRole a roleRef names, or
   * the error kube words when it does not exist.
   */
  roleRules(ref: RoleRef, namespace: string): { rules: readonly PolicyRule[]; error?: string } {
    if (ref.kind === 'ClusterRole') {
      const role = this.#clusterRoles.get(ref.name);
      return role ? { rules: role.rules ?? [] } : { rules: [], error: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    if (ref.kind === 'Role') {
      const role = this.#roles.get(`${namespace}/${ref.name}`);
      return role ? { rules: role.rules ?? [] } : { rules: [], error: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    return { rules: [], error: `unsupported role reference kind: "${ref.kind}"` };
  }

  /**
   * visitRulesFor is kube's VisitRulesFor: every ClusterRoleBinding, then every RoleBinding of `namespace`, that
   * applies to the user, with its role's rules. `visit` returns false to stop early (the first allowing rule).
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: (source: RuleSource) => boolean): void {
    const lists: Iterable<IndexedBinding>[] = [this.#clusterRoleBindings.values()];
    if (namespace) lists.push(this.#roleBindings.get(namespace)?.values() ?? []);
    for (const list of lists) {
      for (const binding of list) {
        const subject = binding.subjects.find((s) => appliesTo(user, s, binding.namespace));
        if (!subject) continue;
        const { rules, error } = this.roleRules(binding.roleRef, binding.namespace);
        if (!visit({ binding, subject, rules, ...(error ? { error } : {}) })) return;
      }
    }
  }

  /** rulesFor is RulesFor: every rule granted to the user in `namespace` (cluster-wide ones included), and errors. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (s) => {
      if (s.error) errors.push(s.error);
      rules.push(...s.rules);
      return true;
    });
    return { rules, errors };
  }
}
