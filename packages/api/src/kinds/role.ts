/**
 * @module roleKind: rbac.authorization.k8s.io/v1 Role, a namespaced set of permissions (PolicyRules).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { policyRuleSchema, RBAC_API_VERSION, rbacNameRule, rolePrinter, validatePolicyRules, type Role } from '../rbac/rbac-types.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export const roleSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal(RBAC_API_VERSION),
  kind: zod.literal('Role'),
  metadata: objectMetaSchema().default({}),
  rules: zod.array(policyRuleSchema()).optional().describe('Rules holds all the PolicyRules for this Role'),
}) satisfies z.ZodType<Role>);

export const roleKind = defineKind({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
  schema: roleSchema,
  nameRule: rbacNameRule,
  validate: (role, errs) => validatePolicyRules(role.rules, true, errs),
  printer: rolePrinter,
});
