import { describe, expect, it } from 'vitest';
import type { ClusterRoleBinding, RoleBinding } from '../rbac/rbac-types.js';
import { clusterRoleBindingKind } from './cluster-role-binding.js';
import { clusterRoleKind } from './cluster-role.js';
import { causesOf, createObject, validateUpdate } from './kind-test-helpers.js';
import { roleBindingKind } from './role-binding.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const binding = (extra: object = {}) => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { name: 'b', namespace: 'team' },
  roleRef: { kind: 'ClusterRole', name: 'view' },
  subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'robot' }, { kind: 'Group', name: 'devs' }],
  ...extra,
});

describe('RBAC kinds', () => {
  it('defaults roleRef.apiGroup and subject apiGroups as SetDefaults_Subject', () => {
    const b = createObject<RoleBinding>('rolebindings', binding());
    expect(b.roleRef.apiGroup).toBe('rbac.authorization.k8s.io');
    expect(b.subjects?.map((s) => s.apiGroup)).toEqual(['rbac.authorization.k8s.io', '', 'rbac.authorization.k8s.io']);
  });

  it('accepts names with colons, refuses slashes', () => {
    expect(causesOf(() => createObject('clusterroles', { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'system:basic-user' } }))).toEqual([]);
    expect(causesOf(() => createObject('clusterroles', { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'a/b' } }))).toEqual(['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
  });

  it('validates rules as ValidatePolicyRule', () => {
    const role = (rules: object[], kind = 'Role') => ({ apiVersion: RBAC, kind, metadata: kind === 'Role' ? { name: 'r', namespace: 'team' } : { name: 'r' }, rules });
    expect(causesOf(() => createObject('roles', role([{ verbs: ['get'], nonResourceURLs: ['/healthz'] }])))).toEqual(['rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs']);
    expect(causesOf(() => createObject('clusterroles', role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/x'] }], 'ClusterRole')))).toEqual([
      'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
    ]);
    expect(causesOf(() => createObject('roles', role([{ verbs: ['get'], apiGroups: [''] }])))).toEqual(['rules[0].resources: Required value: resource rules must supply at least one resource']);
    expect(causesOf(() => createObject('clusterroles', { ...role([], 'ClusterRole'), aggregationRule: {} }))).toEqual(['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil']);
  });

  it('validates roleRef and subjects, and keeps roleRef immutable', () => {
    expect(causesOf(() => createObject('clusterrolebindings', { ...binding(), kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'r' } }))).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[1].namespace: Required value',
    ]);
    expect(causesOf(() => createObject('rolebindings', binding({ subjects: [{ kind: 'User', name: 'x', apiGroup: 'v1' }, { kind: 'ServiceAccount', name: 'Bad_Name' }] })))).toEqual([
      'subjects[0].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"',
      expect.stringMatching(/^subjects\[1\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/),
    ]);
    const old = createObject<RoleBinding>('rolebindings', binding());
    const next = structuredClone(old);
    next.roleRef.name = 'admin';
    expect(causesOf(() => validateUpdate('rolebindings', next, old))).toEqual([expect.stringMatching(/^roleRef: Invalid value: .*: cannot change roleRef$/)]);
  });

  it('prints kube\'s columns', () => {
    const created = '2026-11-30T05:00:00Z';
    const crb = { ...binding(), kind: 'ClusterRoleBinding', metadata: { name: 'b', creationTimestamp: created }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'team' }, { kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }] } as unknown as ClusterRoleBinding;
    expect(clusterRoleBindingKind.printer!.columns.map((c) => [c.name, c.priority])).toEqual([['Name', 0], ['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]]);
    expect(clusterRoleBindingKind.printer!.cells(crb, Date.parse(created) + 3_600_000)).toEqual(['b', 'ClusterRole/view', '60m', 'a, b', '', 'team/robot']);
    expect(roleBindingKind.printer!.columns).toHaveLength(6);
    expect(clusterRoleKind.printer!.cells({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'view', creationTimestamp: '2026-11-30T05:00:00.000Z' } }, 0)).toEqual(['view', '2026-11-30T05:00:00Z']);
  });
});
