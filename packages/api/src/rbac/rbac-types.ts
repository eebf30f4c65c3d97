/**
 * @module rbac.authorization.k8s.io/v1 types and wire schemas shared by Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding, with kube's validation of rules, subjects and roleRefs (pkg/apis/rbac/validation).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { KubeObject, LabelSelector, ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../printers/resource-printer.js';
import type { Printer } from '../kinds/kind.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { labelSelectorSchema } from '../validation/meta-schema.js';
import { isDNS1123Subdomain } from '../validation/name-rules.js';
import { stringList } from '../validation/schema-helpers.js';
import { validateLabelSelector } from '../validation/validate-workload.js';
import { lazySchema } from '../validation/lazy-schema.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export interface Role extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: 'Role';
  metadata: ObjectMeta;
  rules?: PolicyRule[];
}

export interface ClusterRole extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: 'ClusterRole';
  metadata: ObjectMeta;
  rules?: PolicyRule[];
  aggregationRule?: AggregationRule;
}

export interface RoleBinding extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: 'RoleBinding';
  metadata: ObjectMeta;
  subjects?: Subject[];
  roleRef: RoleRef;
}

export interface ClusterRoleBinding extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: 'ClusterRoleBinding';
  metadata: ObjectMeta;
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** policyRuleSchema decodes rbac/v1 PolicyRule. */
export const policyRuleSchema = lazySchema(() => zod
  .object({
    verbs: stringList().default([]).describe("Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs."),
    apiGroups: stringList().optional().describe('APIGroups is the name of the APIGroup that contains the resources. If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups.'),
    resources: stringList().optional().describe("Resources is a list of resources this rule applies to. '*' represents all resources."),
    resourceNames: stringList().optional().describe('ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.'),
    nonResourceURLs: stringList().optional().describe('NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path.'),
  })
  .meta({ id: 'io.k8s.api.rbac.v1.PolicyRule', description: 'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.' }) satisfies z.ZodType<PolicyRule>);

/** subjectSchema decodes rbac/v1 Subject. */
export const subjectSchema = lazySchema(() => zod
  .object({
    kind: zod.string().default('').describe('Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount".'),
    apiGroup: zod.string().optional().describe('APIGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects.'),
    name: zod.string().default('').describe('Name of the object being referenced.'),
    namespace: zod.string().optional().describe('Namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error.'),
  })
  .meta({ id: 'io.k8s.api.rbac.v1.Subject', description: 'Subject contains a reference to the object or user identities a role binding applies to.' }) satisfies z.ZodType<Subject>);

/** roleRefSchema decodes rbac/v1 RoleRef. */
export const roleRefSchema = lazySchema(() => zod
  .object({
    apiGroup: zod.string().default('').describe('APIGroup is the group for the resource being referenced'),
    kind: zod.string().default('').describe('Kind is the type of resource being referenced'),
    name: zod.string().default('').describe('Name is the name of resource being referenced'),
  })
  .meta({ id: 'io.k8s.api.rbac.v1.RoleRef', description: 'RoleRef contains information that points to the role being used' }) satisfies z.ZodType<RoleRef>);

export const aggregationRuleSchema = lazySchema(() => zod
  .object({
    clusterRoleSelectors: zod.array(labelSelectorSchema()).optional().describe("ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added"),
  })
  .meta({ id: 'io.k8s.api.rbac.v1.AggregationRule', description: 'AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole' }) satisfies z.ZodType<AggregationRule>);

/** rbacNameRule is ValidateRBACName (path.IsValidPathSegmentName): `system:basic-user` is a valid name. */
export function rbacNameRule(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** validatePolicyRules is ValidatePolicyRule for each rule of a Role (namespaced) or ClusterRole. */
export function validatePolicyRules(rules: PolicyRule[] | undefined, namespaced: boolean, errs: FieldErrors): void {
  (rules ?? []).forEach((rule, i) => {
    const p = `rules[${i}]`;
    if (rule.verbs.length === 0) errs.required(`${p}.verbs`, 'verbs must contain at least one value');
    if ((rule.nonResourceURLs ?? []).length > 0) {
      if (namespaced) errs.invalid(`${p}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs');
      if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0) {
        errs.invalid(`${p}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs');
      }
      return;
    }
    if ((rule.apiGroups ?? []).length === 0) errs.required(`${p}.apiGroups`, 'resource rules must supply at least one api group');
    if ((rule.resources ?? []).length === 0) errs.required(`${p}.resources`, 'resource rules must supply at least one resource');
  });
}

/** validateAggregationRule: a present aggregationRule needs at least one valid selector. */
export function validateAggregationRule(rule: AggregationRule | undefined, errs: FieldErrors): void {
  if (!rule) return;
  const selectors = rule.clusterRoleSelectors ?? [];
  if (selectors.length === 0) errs.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil');
  selectors.forEach((s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`, errs));
}

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

/** defaultRoleBinding is SetDefaults_Subject and SetDefaults_RoleBinding's roleRef.apiGroup. */
export function defaultRoleBinding(b: { subjects?: Subject[]; roleRef: RoleRef }): void {
  if (!b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  for (const s of b.subjects ?? []) {
    if (s.apiGroup !== undefined && s.apiGroup !== '') continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else if (s.kind === 'ServiceAccount') s.apiGroup = '';
  }
}

/**
 * validateRoleBinding is ValidateRoleBinding / ValidateClusterRoleBinding and their updates: roleRef names an RBAC
 * role of an allowed kind and never changes; subjects are User, Group or ServiceAccount.
 */
export function validateRoleBinding(b: { subjects?: Subject[]; roleRef: RoleRef }, namespaced: boolean, errs: FieldErrors, old?: { roleRef: RoleRef }): void {
  const roleKinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (b.roleRef.apiGroup !== RBAC_GROUP) errs.notSupported('roleRef.apiGroup', b.roleRef.apiGroup, [RBAC_GROUP]);
  if (!roleKinds.includes(b.roleRef.kind)) errs.notSupported('roleRef.kind', b.roleRef.kind, roleKinds);
  if (!b.roleRef.name) errs.required('roleRef.name');
  else errs.each('roleRef.name', b.roleRef.name, rbacNameRule(b.roleRef.name));
  (b.subjects ?? []).forEach((s, i) => validateSubject(s, namespaced, `subjects[${i}]`, errs));
  if (old && (old.roleRef.apiGroup !== b.roleRef.apiGroup || old.roleRef.kind !== b.roleRef.kind || old.roleRef.name !== b.roleRef.name)) {
    errs.invalid('roleRef', b.roleRef, 'cannot change roleRef');
  }
}

function validateSubject(s: Subject, namespaced: boolean, p: string, errs: FieldErrors): void {
  if (!s.name) errs.required(`${p}.name`);
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) errs.each(`${p}.name`, s.name, isDNS1123Subdomain(s.name));
      if (s.apiGroup) errs.notSupported(`${p}.apiGroup`, s.apiGroup, ['']);
      if (!namespaced && !s.namespace) errs.required(`${p}.namespace`);
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]);
      break;
    default:
      errs.notSupported(`${p}.kind`, s.kind, SUBJECT_KINDS);
  }
}

/** rolePrinter: kube prints Roles and ClusterRoles as Name and Created At (RFC 3339, UTC). */
export const rolePrinter: Printer<{ metadata: ObjectMeta }> = {
  columns: [NAME_COLUMN, column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
  cells: (r) => [r.metadata.name ?? '', r.metadata.creationTimestamp ? new Date(r.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : ''],
};

/** bindingPrinter is kube's printRoleBinding / printClusterRoleBinding: Role as KIND/NAME; subjects when wide. */
export const bindingPrinter: Printer<{ metadata: ObjectMeta; roleRef: RoleRef; subjects?: Subject[] }> = {
  columns: [
    NAME_COLUMN,
    column('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
    AGE_COLUMN,
    column('Users', 'Users in the roleBinding', { wide: true }),
    column('Groups', 'Groups in the roleBinding', { wide: true }),
    column('ServiceAccounts', 'ServiceAccounts in the roleBinding', { wide: true }),
  ],
  cells: (b, nowMs) => {
    const of = (kind: string) => (b.subjects ?? []).filter((s) => s.kind === kind);
    const sas = of('ServiceAccount').map((s) => (s.namespace ? `${s.namespace}/${s.name}` : s.name));
    return [
      b.metadata.name ?? '',
      // Tables may be asked of any stored shape; a binding without roleRef prints "/" rather than failing the list.
      `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
      sinceTimestamp(b.metadata.creationTimestamp, nowMs),
      of('User').map((s) => s.name).join(', '),
      of('Group').map((s) => s.name).join(', '),
      sas.join(', '),
    ];
  },
};
