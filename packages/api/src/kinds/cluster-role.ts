/**
 * @module clusterRoleKind: rbac.authorization.k8s.io/v1 ClusterRole, cluster-wide permissions; with an
 * aggregationRule its rules are the union of the ClusterRoles its selectors match (the controller-manager keeps them).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { aggregationRuleSchema, policyRuleSchema, RBAC_API_VERSION, rbacNameRule, rolePrinter, validateAggregationRule, validatePolicyRules, type ClusterRole } from '../rbac/rbac-types.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export const clusterRoleSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal(RBAC_API_VERSION),
  kind: zod.literal('ClusterRole'),
  metadata: objectMetaSchema().default({}),
  rules: zod.array(policyRuleSchema()).optional().describe('Rules holds all the PolicyRules for this ClusterRole'),
  aggregationRule: aggregationRuleSchema().optional().describe('AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.'),
}) satisfies z.ZodType<ClusterRole>);

export const clusterRoleKind = defineKind({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
  schema: clusterRoleSchema,
  nameRule: rbacNameRule,
  validate: (role, errs) => {
    validatePolicyRules(role.rules, false, errs);
    validateAggregationRule(role.aggregationRule, errs);
  },
  printer: rolePrinter,
});
