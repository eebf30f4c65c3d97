/**
 * @module podDisruptionBudgetKind: policy/v1 PodDisruptionBudget (types, schema, validation and `kubectl get pdb`
 * columns), after kube's pkg/apis/policy and pkg/registry/policy/poddisruptionbudget, plus the policy/v1 Eviction
 * body that pods/eviction takes.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { DeleteOptions, LabelSelector, ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { deleteOptionsSchema, labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { enumString, int, int64, intOrString, mapList, requiredEnum } from '../validation/schema-helpers.js';
import { validateIntOrPercent, validateLabelSelector } from '../validation/validate-workload.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';

/** DISRUPTION_ALLOWED_CONDITION is the PDB condition the disruption controller and evictions keep. */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
/** The reasons of DisruptionAllowed (policy/v1 constants). */
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';
/** DISRUPTION_BUDGET_CAUSE is the StatusCause type of an eviction refused by a budget. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

/** Condition is metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PodDisruptionBudgetSpec {
  minAvailable?: number | string;
  selector?: LabelSelector;
  maxUnavailable?: number | string;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pods the eviction subresource let go that the controller has not yet seen deleted, by name, with the time. */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

export interface PodDisruptionBudget {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ObjectMeta;
  spec: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

/** Eviction is policy/v1 Eviction, the body of POST pods/NAME/eviction. */
export interface Eviction {
  apiVersion: 'policy/v1';
  kind: 'Eviction';
  metadata: ObjectMeta;
  deleteOptions?: DeleteOptions;
}

const conditionSchema = lazySchema(() => zod
  .object({
    type: zod.string().default(''),
    status: requiredEnum<'True' | 'False' | 'Unknown'>(),
    observedGeneration: int64().optional(),
    lastTransitionTime: zod.string().default(''),
    reason: zod.string().default(''),
    message: zod.string().default(''),
  })
  .meta({ id: 'io.k8s.apimachinery.pkg.apis.meta.v1.Condition', description: 'Condition contains details for one aspect of the current state of this API Resource.' }));

/** podDisruptionBudgetSchema decodes policy/v1 PodDisruptionBudget. */
export const podDisruptionBudgetSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('policy/v1'),
  kind: zod.literal('PodDisruptionBudget'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      minAvailable: intOrString()
        .optional()
        .describe('An eviction is allowed if at least "minAvailable" pods selected by "selector" will still be available after the eviction, i.e. even in the absence of the evicted pod. So for example you can prevent all voluntary evictions by specifying "100%".'),
      selector: labelSelectorSchema()
        .optional()
        .describe('Label query over pods whose evictions are managed by the disruption budget. A null selector will match no pods, while an empty ({}) selector will select all pods within the namespace.'),
      maxUnavailable: intOrString()
        .optional()
        .describe('An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are unavailable after the eviction, i.e. even in absence of the evicted pod. For example, one can prevent all voluntary evictions by specifying 0. This is a mutually exclusive setting with "minAvailable".'),
      unhealthyPodEvictionPolicy: enumString<UnhealthyPodEvictionPolicy>()
        .optional()
        .describe('UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction. Valid policies are IfHealthyBudget and AlwaysAllow.'),
    })
    .default({}),
  status: zod
    .object({
      observedGeneration: int64().optional(),
      disruptedPods: zod.record(zod.string(), zod.string()).optional(),
      disruptionsAllowed: int().default(0),
      currentHealthy: int().default(0),
      desiredHealthy: int().default(0),
      expectedPods: int().default(0),
      conditions: mapList(conditionSchema(), ['type']).optional(),
    })
    .optional(),
}) satisfies z.ZodType<PodDisruptionBudget>);

/** evictionSchema decodes policy/v1 Eviction. */
export const evictionSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('policy/v1'),
  kind: zod.literal('Eviction'),
  metadata: objectMetaSchema().default({}),
  deleteOptions: deleteOptionsSchema().optional(),
}) satisfies z.ZodType<Eviction>);

const UNHEALTHY_POLICIES: UnhealthyPodEvictionPolicy[] = ['IfHealthyBudget', 'AlwaysAllow'];

/** validatePodDisruptionBudget is kube's ValidatePodDisruptionBudgetSpec (policy/v1 allows spec updates). */
function validatePodDisruptionBudget(pdb: PodDisruptionBudget, errs: FieldErrors): void {
  const spec = pdb.spec;
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.invalid('spec', '', 'minAvailable and maxUnavailable cannot be both set');
  }
  for (const field of ['minAvailable', 'maxUnavailable'] as const) {
    const value = spec[field];
    const n = validateIntOrPercent(value, `spec.${field}`, errs);
    if (n !== undefined && typeof value === 'string' && n > 100) errs.invalid(`spec.${field}`, value, 'must not be greater than 100%');
  }
  if (spec.selector) validateLabelSelector(spec.selector, 'spec.selector', errs);
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !UNHEALTHY_POLICIES.includes(policy)) errs.notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POLICIES);
}

const orNA = (v: number | string | undefined): string => (v === undefined ? 'N/A' : String(v));

export const podDisruptionBudgetKind = defineKind({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
  shortNames: ['pdb'],
  hasStatus: true,
  schema: podDisruptionBudgetSchema,
  validate: validatePodDisruptionBudget,
  printer: {
    // kube printers.go printPodDisruptionBudget.
    columns: [
      NAME_COLUMN,
      column('Min Available', 'The minimum number of pods that must be available.'),
      column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
      column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells(pdb, nowMs) {
      return [
        pdb.metadata.name ?? '',
        orNA(pdb.spec?.minAvailable),
        orNA(pdb.spec?.maxUnavailable),
        pdb.status?.disruptionsAllowed ?? 0,
        sinceTimestamp(pdb.metadata.creationTimestamp, nowMs),
      ];
    },
  },
  strategy: {
    prepareForCreate(pdb) {
      pdb.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    },
  },
});
