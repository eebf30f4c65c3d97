/**
 * @module clusterRoleBindingKind: rbac.authorization.k8s.io/v1 ClusterRoleBinding, granting a ClusterRole to
 * subjects in every namespace. Its roleRef never changes.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { bindingPrinter, defaultRoleBinding, RBAC_API_VERSION, rbacNameRule, roleRefSchema, subjectSchema, validateRoleBinding, type ClusterRoleBinding } from '../rbac/rbac-types.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export const clusterRoleBindingSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal(RBAC_API_VERSION),
  kind: zod.literal('ClusterRoleBinding'),
  metadata: objectMetaSchema().default({}),
  subjects: zod.array(subjectSchema()).optional().describe('Subjects holds references to the objects the role applies to.'),
  roleRef: roleRefSchema().default({ apiGroup: '', kind: '', name: '' }).describe('RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
}) satisfies z.ZodType<ClusterRoleBinding>);

export const clusterRoleBindingKind = defineKind({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  namespaced: false,
  schema: clusterRoleBindingSchema,
  nameRule: rbacNameRule,
  defaults: defaultRoleBinding,
  validate: (b, errs, old) => validateRoleBinding(b, false, errs, old),
  printer: bindingPrinter,
});
