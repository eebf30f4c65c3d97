/**
 * @module horizontalPodAutoscalerKind: autoscaling/v2 HorizontalPodAutoscaler (types, schema, defaults, validation
 * and `kubectl get hpa` columns), after kube's pkg/apis/autoscaling, its v2 defaults and printers.go.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, NONE, column } from '../printers/resource-printer.js';
import { Quantity } from '../quantity.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { enumString, int, int64, mapList, quantity, requiredEnum } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { crossVersionObjectReferenceSchema, horizontalPodAutoscalerV1 } from './horizontal-pod-autoscaler-v1.js';
import { lazySchema } from '../validation/lazy-schema.js';

export type MetricSourceType = 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
export type MetricTargetType = 'Utilization' | 'Value' | 'AverageValue';
export type ScalingPolicySelect = 'Max' | 'Min' | 'Disabled';
export type HPAConditionType = 'ScalingActive' | 'AbleToScale' | 'ScalingLimited';

export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

export interface MetricTarget {
  type: MetricTargetType;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface ResourceMetricSource {
  name: string;
  target: MetricTarget;
}

export interface ContainerResourceMetricSource extends ResourceMetricSource {
  container: string;
}

/** MetricSpec: Resource and ContainerResource are computed here; Pods, Object and External need a custom metrics API. */
export interface MetricSpec {
  type: MetricSourceType;
  resource?: ResourceMetricSource;
  containerResource?: ContainerResourceMetricSource;
  pods?: Record<string, unknown>;
  object?: Record<string, unknown>;
  external?: Record<string, unknown>;
}

export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: ScalingPolicySelect;
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
}

export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricStatus {
  type: MetricSourceType;
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
}

export interface HorizontalPodAutoscalerCondition {
  type: HPAConditionType;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}

export interface HorizontalPodAutoscaler {
  apiVersion: 'autoscaling/v2';
  kind: 'HorizontalPodAutoscaler';
  metadata: ObjectMeta;
  spec: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

/** DEFAULT_CPU_UTILIZATION is the target of an HPA that names no metric (autoscaling.DefaultCPUUtilization). */
export const DEFAULT_CPU_UTILIZATION = 80;
/** The scaling rules kube fills into a behavior left partly unset (GenerateHPAScaleUpRules/ScaleDownRules). */
export const DEFAULT_SCALE_UP_RULES: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
/** Scale-down rules leave stabilizationWindowSeconds unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies. */
export const DEFAULT_SCALE_DOWN_RULES: Omit<Required<HPAScalingRules>, 'stabilizationWindowSeconds'> = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

const metricTargetSchema = lazySchema(() => zod.object({
  type: requiredEnum<MetricTargetType>(),
  value: quantity().optional(),
  averageValue: quantity().optional(),
  averageUtilization: int().optional(),
}));
const resourceSourceSchema = lazySchema(() => zod.object({ name: zod.string().default(''), target: metricTargetSchema().default({ type: '' as MetricTargetType }) }));
const metricValueStatusSchema = lazySchema(() => zod.object({ value: quantity().optional(), averageValue: quantity().optional(), averageUtilization: int().optional() }));
const scalingRulesSchema = lazySchema(() => zod.object({
  stabilizationWindowSeconds: int().optional(),
  selectPolicy: enumString<ScalingPolicySelect>().optional(),
  policies: zod
    .array(zod.object({ type: requiredEnum<'Pods' | 'Percent'>(), value: int().default(0), periodSeconds: int().default(0) }))
    .optional(),
}));
const looseObject = () => zod.record(zod.string(), zod.unknown());

/** horizontalPodAutoscalerSchema decodes autoscaling/v2 HorizontalPodAutoscaler. */
export const horizontalPodAutoscalerSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('autoscaling/v2'),
  kind: zod.literal('HorizontalPodAutoscaler'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      scaleTargetRef: crossVersionObjectReferenceSchema(),
      minReplicas: int().optional(),
      maxReplicas: int().default(0),
      metrics: zod
        .array(
          zod.object({
            type: requiredEnum<MetricSourceType>(),
            resource: resourceSourceSchema().optional(),
            containerResource: resourceSourceSchema().extend({ container: zod.string().default('') }).optional(),
            pods: looseObject().optional(),
            object: looseObject().optional(),
            external: looseObject().optional(),
          }),
        )
        .optional(),
      behavior: zod.object({ scaleUp: scalingRulesSchema().optional(), scaleDown: scalingRulesSchema().optional() }).optional(),
    })
    .default({ scaleTargetRef: { kind: '', name: '' }, maxReplicas: 0 }),
  status: zod
    .object({
      observedGeneration: int64().optional(),
      lastScaleTime: zod.string().optional(),
      currentReplicas: int().optional(),
      desiredReplicas: int().default(0),
      currentMetrics: zod
        .array(
          zod.object({
            type: requiredEnum<MetricSourceType>(),
            resource: zod.object({ name: zod.string().default(''), current: metricValueStatusSchema().default({}) }).optional(),
            containerResource: zod.object({ name: zod.string().default(''), container: zod.string().default(''), current: metricValueStatusSchema().default({}) }).optional(),
          }),
        )
        .optional(),
      conditions: mapList(
        zod.object({
          type: requiredEnum<HPAConditionType>(),
          status: requiredEnum<'True' | 'False' | 'Unknown'>(),
          lastTransitionTime: zod.string().optional(),
          reason: zod.string().optional(),
          message: zod.string().optional(),
        }),
        ['type'],
      ).optional(),
    })
    .optional(),
}) satisfies z.ZodType<HorizontalPodAutoscaler>);

/** defaultScalingRules fills the unset fields of `rules` from `defaults` (kube's copyHPAScalingRules). */
function defaultScalingRules(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  const out: HPAScalingRules = { ...rules };
  if (out.stabilizationWindowSeconds === undefined && defaults.stabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  out.selectPolicy ??= defaults.selectPolicy!;
  if (!out.policies?.length) out.policies = structuredClone(defaults.policies!);
  return out;
}

/** defaultHorizontalPodAutoscaler is SetDefaults_HorizontalPodAutoscaler of autoscaling/v2. */
function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  hpa.spec.minReplicas ??= 1;
  if (!hpa.spec.metrics?.length) {
    hpa.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  // Only a behavior that is there gets its gaps filled, as kube does: no behavior means the controller's defaults.
  const b = hpa.spec.behavior;
  if (b) {
    b.scaleUp = defaultScalingRules(b.scaleUp, DEFAULT_SCALE_UP_RULES);
    b.scaleDown = defaultScalingRules(b.scaleDown, DEFAULT_SCALE_DOWN_RULES);
  }
}

const TARGET_TYPES: MetricTargetType[] = ['Utilization', 'Value', 'AverageValue'];
const METRIC_TYPES: MetricSourceType[] = ['Resource', 'ContainerResource', 'Pods', 'Object', 'External'];
const SELECT_POLICIES: ScalingPolicySelect[] = ['Max', 'Min', 'Disabled'];
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;

function validateTarget(t: MetricTarget, path: string, errs: FieldErrors): void {
  if (!TARGET_TYPES.includes(t.type)) return errs.notSupported(`${path}.type`, t.type, TARGET_TYPES);
  if (t.type === 'Utilization' && t.averageUtilization === undefined) errs.required(`${path}.averageUtilization`, 'must set averageUtilization when type is Utilization');
  if (t.type === 'AverageValue' && t.averageValue === undefined) errs.required(`${path}.averageValue`, 'must set averageValue when type is AverageValue');
  if (t.type === 'Value' && t.value === undefined) errs.required(`${path}.value`, 'must set value when type is Value');
  if (t.averageUtilization !== undefined && t.averageUtilization < 1) errs.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0');
  for (const f of ['value', 'averageValue'] as const) {
    const q = t[f];
    if (q !== undefined && Quantity.parse(q).sign() <= 0) errs.invalid(`${path}.${f}`, q, 'must be positive');
  }
}

function validateRules(rules: HPAScalingRules | undefined, path: string, errs: FieldErrors): void {
  if (!rules) return;
  const w = rules.stabilizationWindowSeconds;
  if (w !== undefined && (w < 0 || w > MAX_STABILIZATION_WINDOW_SECONDS)) errs.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS} and greater than or equal to 0`);
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy)) errs.notSupported(`${path}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES);
  (rules.policies ?? []).forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.notSupported(`${at}.type`, p.type, ['Pods', 'Percent']);
    if (p.value <= 0) errs.invalid(`${at}.value`, p.value, 'must be greater than zero');
    if (p.periodSeconds <= 0 || p.periodSeconds > MAX_PERIOD_SECONDS) errs.invalid(`${at}.periodSeconds`, p.periodSeconds, `must be greater than zero and less than or equal to ${MAX_PERIOD_SECONDS}`);
  });
}

/** validateHorizontalPodAutoscaler is kube's ValidateHorizontalPodAutoscalerSpec (minReplicas 0 needs an alpha gate). */
function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, errs: FieldErrors): void {
  const spec = hpa.spec;
  const ref = spec.scaleTargetRef;
  if (!ref.kind) errs.required('spec.scaleTargetRef.kind');
  if (!ref.name) errs.required('spec.scaleTargetRef.name');
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) errs.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1');
  if (spec.maxReplicas < 1) errs.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to 1');
  if (spec.minReplicas !== undefined && spec.minReplicas > spec.maxReplicas) errs.invalid('spec.minReplicas', spec.minReplicas, 'must be less than or equal to maxReplicas');
  (spec.metrics ?? []).forEach((m, i) => {
    const at = `spec.metrics[${i}]`;
    if (!METRIC_TYPES.includes(m.type)) return errs.notSupported(`${at}.type`, m.type, METRIC_TYPES);
    const field = ({ Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const)[m.type];
    const source = m[field];
    if (!source) return errs.required(`${at}.${field}`, `must populate information for the given metric source`);
    if (m.type === 'Resource' || m.type === 'ContainerResource') {
      const r = source as ResourceMetricSource & { container?: string };
      if (!r.name) errs.required(`${at}.${field}.name`, 'must specify a resource name');
      if (m.type === 'ContainerResource' && !r.container) errs.required(`${at}.${field}.container`, 'must specify a container');
      validateTarget(r.target, `${at}.${field}.target`, errs);
    }
  });
  validateRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp', errs);
  validateRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown', errs);
}

/** formatHPAMetrics is kube's printer cell for TARGETS: `cpu: 45%/50%`, at most two metrics then "+ N more...". */
export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs?.length) return NONE;
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const source = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    const status = statuses?.[i];
    const current = spec.type === 'ContainerResource' ? status?.containerResource?.current : status?.resource?.current;
    if (!source) {
      list.push(`<unknown>/<unknown>`);
      return;
    }
    const name = source.name;
    if (source.target.averageValue !== undefined) {
      list.push(`${name}: ${current?.averageValue ?? '<unknown>'}/${source.target.averageValue}`);
      return;
    }
    const now = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
    const target = source.target.averageUtilization !== undefined ? `${source.target.averageUtilization}%` : '<auto>';
    list.push(`${name}: ${now}/${target}`);
  });
  const shown = list.slice(0, 2).join(', ');
  return list.length > 2 ? `${shown} + ${list.length - 2} more...` : shown;
}

export const horizontalPodAutoscalerKind = defineKind({
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  hasStatus: true,
  schema: horizontalPodAutoscalerSchema,
  defaults: defaultHorizontalPodAutoscaler,
  validate: validateHorizontalPodAutoscaler,
  printer: {
    // kube printers.go printHorizontalPodAutoscaler.
    columns: [
      NAME_COLUMN,
      column('Reference', 'Reference is the name of the resource being scaled.'),
      column('Targets', 'Targets describes the metric values used to scale.'),
      column('MinPods', 'Minimum number of pods to scale down to.'),
      column('MaxPods', 'Maximum number of pods to scale up to.', { type: 'integer' }),
      column('Replicas', 'Current replicas of the pod autoscaler.', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells(hpa, nowMs) {
      // A spec-less object prints as kube prints Go's zero value (the generic printer test sends one).
      const spec: Partial<HorizontalPodAutoscalerSpec> = hpa.spec ?? {};
      const ref = spec.scaleTargetRef ?? { kind: '', name: '' };
      return [
        hpa.metadata.name ?? '',
        `${ref.kind}/${ref.name}`,
        formatHPAMetrics(spec.metrics, hpa.status?.currentMetrics),
        spec.minReplicas === undefined ? '<unset>' : String(spec.minReplicas),
        spec.maxReplicas ?? 0,
        hpa.status?.currentReplicas ?? 0,
        sinceTimestamp(hpa.metadata.creationTimestamp, nowMs),
      ];
    },
  },
  strategy: {
    prepareForCreate(hpa) {
      hpa.status = { desiredReplicas: 0 };
    },
  },
  // kubectl up to 1.32 `autoscale`s in autoscaling/v1.
  servedVersions: [horizontalPodAutoscalerV1],
});
