/**
 * @module roleBindingKind: rbac.authorization.k8s.io/v1 RoleBinding, granting a Role or ClusterRole to subjects
 * within one namespace. Its roleRef never changes (delete and recreate to point it elsewhere).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { bindingPrinter, defaultRoleBinding, RBAC_API_VERSION, rbacNameRule, roleRefSchema, subjectSchema, validateRoleBinding, type RoleBinding } from '../rbac/rbac-types.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export const roleBindingSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal(RBAC_API_VERSION),
  kind: zod.literal('RoleBinding'),
  metadata: objectMetaSchema().default({}),
  subjects: zod.array(subjectSchema()).optional().describe('Subjects holds references to the objects the role applies to.'),
  roleRef: roleRefSchema().default({ apiGroup: '', kind: '', name: '' }).describe('RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
}) satisfies z.ZodType<RoleBinding>);

export const roleBindingKind = defineKind({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
  schema: roleBindingSchema,
  nameRule: rbacNameRule,
  defaults: defaultRoleBinding,
  validate: (b, errs, old) => validateRoleBinding(b, true, errs, old),
  printer: bindingPrinter,
});
