/**
 * @module horizontalPodAutoscalerV1: autoscaling/v1 HorizontalPodAutoscaler, served beside the stored autoscaling/v2
 * one (kubectl 1.32's `autoscale` writes v1). Conversion follows kube's pkg/apis/autoscaling/v1/conversion.go: v1's
 * targetCPUUtilizationPercentage is v2's cpu Utilization metric, and what v1 cannot say (other metrics, behavior,
 * the current metrics, conditions) travels in the `autoscaling.alpha.kubernetes.io/*` annotations, so a v1 client
 * that reads, edits and writes back an object loses nothing.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectMeta } from '../meta.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { int, int64 } from '../validation/schema-helpers.js';
// Types only: the v2 kind imports this file, so a value imported back would be read before it is defined.
import type {
  CrossVersionObjectReference,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  HPAScalingRules,
  MetricSpec,
  MetricStatus,
  MetricTarget,
} from './horizontal-pod-autoscaler.js';
import type { ServedVersionSpec } from './served-version.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** The round-trip annotations (kube's pkg/apis/autoscaling/annotations.go). */
export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

export interface HorizontalPodAutoscalerV1 {
  apiVersion: 'autoscaling/v1';
  kind: 'HorizontalPodAutoscaler';
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas: number;
    desiredReplicas: number;
    currentCPUUtilizationPercentage?: number;
  };
}

/** crossVersionObjectReferenceSchema decodes an HPA's scaleTargetRef, the same in autoscaling/v1 and v2. */
export const crossVersionObjectReferenceSchema = lazySchema(() => zod
  .object({ kind: zod.string().default(''), name: zod.string().default(''), apiVersion: zod.string().optional() })
  .default({ kind: '', name: '' }));

/** horizontalPodAutoscalerV1Schema decodes autoscaling/v1 HorizontalPodAutoscaler. */
export const horizontalPodAutoscalerV1Schema = lazySchema(() => zod.object({
  apiVersion: zod.literal('autoscaling/v1'),
  kind: zod.literal('HorizontalPodAutoscaler'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      scaleTargetRef: crossVersionObjectReferenceSchema(),
      minReplicas: int().optional(),
      maxReplicas: int().default(0),
      targetCPUUtilizationPercentage: int().optional(),
    })
    .default({ scaleTargetRef: { kind: '', name: '' }, maxReplicas: 0 }),
  status: zod
    .object({
      observedGeneration: int64().optional(),
      lastScaleTime: zod.string().optional(),
      currentReplicas: int().default(0),
      desiredReplicas: int().default(0),
      currentCPUUtilizationPercentage: int().optional(),
    })
    .optional(),
}) satisfies z.ZodType<HorizontalPodAutoscalerV1>);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * only copies the keys of `from` that are set (null is unset, as Go reads it), so a partial object (an apply
 * configuration) stays partial.
 */
function only(from: Json | undefined, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (from?.[k] !== undefined && from[k] !== null) out[k] = from[k];
  return out;
}

const isCpuUtilization = (m: MetricSpec): boolean => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined;

const cpuMetric = (averageUtilization: number): MetricSpec => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });

// v1's MetricSpec and MetricStatus (the v2beta1 shapes) are what the annotations hold; the fields are written in Go's
// declaration order so an annotation reads as kube-apiserver's would.

/** metricToV1 is Convert_autoscaling_MetricSpec_To_v1_MetricSpec. */
function metricToV1(m: MetricSpec): Json {
  const out: Json = { type: m.type };
  const target = (s: Json | undefined): Json => (isObject(s?.target) ? s.target : {});
  const metric = (s: Json | undefined): Json => (isObject(s?.metric) ? s.metric : {});
  if (m.object) {
    const t = target(m.object);
    out.object = { target: m.object.describedObject, metricName: metric(m.object).name ?? '', targetValue: t.value ?? '0', ...only(metric(m.object), ['selector']), ...only(t, ['averageValue']) };
  }
  if (m.pods) out.pods = { metricName: metric(m.pods).name ?? '', targetAverageValue: target(m.pods).averageValue ?? '0', ...only(metric(m.pods), ['selector']) };
  if (m.resource) out.resource = { name: m.resource.name, ...resourceTargetToV1(m.resource.target) };
  if (m.containerResource) out.containerResource = { name: m.containerResource.name, ...resourceTargetToV1(m.containerResource.target), container: m.containerResource.container };
  if (m.external) {
    const t = target(m.external);
    out.external = { metricName: metric(m.external).name ?? '', ...only({ metricSelector: metric(m.external).selector, targetValue: t.value, targetAverageValue: t.averageValue }, ['metricSelector', 'targetValue', 'targetAverageValue']) };
  }
  return out;
}

function resourceTargetToV1(t: { averageUtilization?: number; averageValue?: string } | undefined): Json {
  return only({ targetAverageUtilization: t?.averageUtilization, targetAverageValue: t?.averageValue }, ['targetAverageUtilization', 'targetAverageValue']);
}

/** metricFromV1 is Convert_v1_MetricSpec_To_autoscaling_MetricSpec. */
function metricFromV1(m: Json): MetricSpec {
  const out = { type: m.type } as MetricSpec;
  const identity = (name: unknown, selector: unknown): Json => ({ name, ...only({ selector }, ['selector']) });
  if (isObject(m.object)) {
    const o = m.object;
    out.object = {
      describedObject: o.target,
      metric: identity(o.metricName, o.selector),
      target: { type: o.averageValue === undefined ? 'Value' : 'AverageValue', value: o.targetValue ?? '0', ...only(o, ['averageValue']) },
    };
  }
  if (isObject(m.pods)) out.pods = { metric: identity(m.pods.metricName, m.pods.selector), target: { type: 'AverageValue', averageValue: m.pods.targetAverageValue ?? '0' } };
  if (isObject(m.resource)) out.resource = { name: String(m.resource.name ?? ''), target: resourceTargetFromV1(m.resource) };
  if (isObject(m.containerResource)) {
    const c = m.containerResource;
    out.containerResource = { name: String(c.name ?? ''), target: resourceTargetFromV1(c), container: String(c.container ?? '') };
  }
  if (isObject(m.external)) {
    const e = m.external;
    out.external = {
      metric: identity(e.metricName, e.metricSelector),
      target: { type: e.targetValue === undefined ? 'AverageValue' : 'Value', ...only({ value: e.targetValue, averageValue: e.targetAverageValue }, ['value', 'averageValue']) },
    };
  }
  return out;
}

function resourceTargetFromV1(r: Json): MetricTarget {
  const utilization = r.targetAverageUtilization as number | undefined;
  return {
    type: utilization === undefined ? 'AverageValue' : 'Utilization',
    ...only({ averageValue: r.targetAverageValue, averageUtilization: utilization }, ['averageValue', 'averageUtilization']),
  };
}

/** metricStatusToV1 is Convert_autoscaling_MetricStatus_To_v1_MetricStatus (v1's currentAverageValue is never empty). */
function metricStatusToV1(m: MetricStatus): Json {
  const out: Json = { type: m.type };
  const s = m as MetricStatus & { object?: Json; pods?: Json; external?: Json };
  const current = (x: Json | undefined): Json => (isObject(x?.current) ? x.current : {});
  const metric = (x: Json | undefined): Json => (isObject(x?.metric) ? x.metric : {});
  if (s.object) {
    const c = current(s.object);
    out.object = { target: s.object.describedObject, metricName: metric(s.object).name ?? '', currentValue: c.value ?? '0', ...only(metric(s.object), ['selector']), ...only(c, ['averageValue']) };
  }
  if (s.pods) out.pods = { metricName: metric(s.pods).name ?? '', currentAverageValue: current(s.pods).averageValue ?? '0', ...only(metric(s.pods), ['selector']) };
  if (s.resource) out.resource = { name: s.resource.name, ...only({ currentAverageUtilization: s.resource.current.averageUtilization }, ['currentAverageUtilization']), currentAverageValue: s.resource.current.averageValue ?? '0' };
  if (s.containerResource) {
    const c = s.containerResource;
    out.containerResource = { name: c.name, ...only({ currentAverageUtilization: c.current.averageUtilization }, ['currentAverageUtilization']), currentAverageValue: c.current.averageValue ?? '0', container: c.container };
  }
  if (s.external) {
    const c = current(s.external);
    out.external = { metricName: metric(s.external).name ?? '', ...only({ metricSelector: metric(s.external).selector }, ['metricSelector']), currentValue: c.value ?? '0', ...only({ currentAverageValue: c.averageValue }, ['currentAverageValue']) };
  }
  return out;
}

/** metricStatusFromV1 is Convert_v1_MetricStatus_To_autoscaling_MetricStatus. */
function metricStatusFromV1(m: Json): MetricStatus {
  const out: Json = { type: m.type };
  const identity = (name: unknown, selector: unknown): Json => ({ name, ...only({ selector }, ['selector']) });
  const resource = (r: Json): Json => ({ averageValue: r.currentAverageValue ?? '0', ...only({ averageUtilization: r.currentAverageUtilization }, ['averageUtilization']) });
  if (isObject(m.object)) {
    const o = m.object;
    out.object = { describedObject: o.target, metric: identity(o.metricName, o.selector), current: { value: o.currentValue ?? '0', ...only(o, ['averageValue']) } };
  }
  if (isObject(m.pods)) out.pods = { metric: identity(m.pods.metricName, m.pods.selector), current: { averageValue: m.pods.currentAverageValue ?? '0' } };
  if (isObject(m.resource)) out.resource = { name: m.resource.name, current: resource(m.resource) };
  if (isObject(m.containerResource)) out.containerResource = { name: m.containerResource.name, current: resource(m.containerResource), container: m.containerResource.container };
  if (isObject(m.external)) {
    const e = m.external;
    out.external = { metric: identity(e.metricName, e.metricSelector), current: { value: e.currentValue ?? '0', ...only({ averageValue: e.currentAverageValue }, ['averageValue']) } };
  }
  return out as unknown as MetricStatus;
}

/**
 * behaviorToAnnotation writes behavior as kube does: it marshals its internal type, which has no JSON tags, so the
 * keys are Go's field names and unset pointers are null.
 */
function behaviorToAnnotation(b: HorizontalPodAutoscalerBehavior): string {
  const rules = (r: HPAScalingRules | undefined): Json | null =>
    r
      ? {
          StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
          SelectPolicy: r.selectPolicy ?? null,
          Policies: r.policies ? r.policies.map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
        }
      : null;
  return JSON.stringify({ ScaleUp: rules(b.scaleUp), ScaleDown: rules(b.scaleDown) });
}

/** field reads a key as Go's json.Unmarshal matches it: exact first, then case-insensitively. */
function field(obj: Json, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  const found = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : obj[found];
}

function behaviorFromAnnotation(value: unknown): HorizontalPodAutoscalerBehavior | undefined {
  if (!isObject(value)) return undefined;
  const rules = (r: unknown): HPAScalingRules | undefined => {
    if (!isObject(r)) return undefined;
    const policies = field(r, 'policies');
    return {
      ...only({ stabilizationWindowSeconds: field(r, 'stabilizationWindowSeconds'), selectPolicy: field(r, 'selectPolicy') }, ['stabilizationWindowSeconds', 'selectPolicy']),
      ...(Array.isArray(policies) ? { policies: policies.filter(isObject).map((p) => ({ type: field(p, 'type'), value: field(p, 'value'), periodSeconds: field(p, 'periodSeconds') }) as NonNullable<HPAScalingRules['policies']>[number]) } : {}),
    } as HPAScalingRules;
  };
  const out: HorizontalPodAutoscalerBehavior = {};
  const up = rules(field(value, 'scaleUp'));
  const down = rules(field(value, 'scaleDown'));
  if (up) out.scaleUp = up;
  if (down) out.scaleDown = down;
  // An empty behavior is no behavior (kube compares with the zero value).
  return up || down ? out : undefined;
}

/** parseAnnotation reads a JSON annotation; one that does not parse is ignored, as kube ignores it. */
function parseAnnotation(annotations: Record<string, string> | undefined, key: string): unknown {
  const text = annotations?.[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** withoutRoundTripAnnotations is metadata without the four annotations (and without annotations if none is left). */
function withoutRoundTripAnnotations(meta: ObjectMeta | undefined): ObjectMeta {
  const out = { ...meta };
  if (!out.annotations) return out;
  const annotations = { ...out.annotations };
  for (const k of ROUND_TRIP_ANNOTATIONS) delete annotations[k];
  if (Object.keys(annotations).length) out.annotations = annotations;
  else delete out.annotations;
  return out;
}

/** toV1 is Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler. */
export function horizontalPodAutoscalerToV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const metadata = withoutRoundTripAnnotations(hpa.metadata);
  const spec = hpa.spec ?? ({} as HorizontalPodAutoscaler['spec']);
  const metrics = spec.metrics ?? [];
  const annotations: Record<string, string> = {};
  const other = metrics.filter((m) => !isCpuUtilization(m));
  if (other.length) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other.map(metricToV1));
  const status = hpa.status;
  // The statuses are kept even when one maps to currentCPUUtilizationPercentage, to keep its raw value as well.
  if (status?.currentMetrics?.length) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(status.currentMetrics.map(metricStatusToV1));
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = behaviorToAnnotation(spec.behavior);
  if (status?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions.map(conditionToV1));
  if (Object.keys(annotations).length) metadata.annotations = { ...metadata.annotations, ...annotations };

  const v1Spec = only(spec as unknown as Json, ['scaleTargetRef', 'minReplicas', 'maxReplicas']) as HorizontalPodAutoscalerV1['spec'];
  const cpu = metrics.find(isCpuUtilization);
  if (cpu) v1Spec.targetCPUUtilizationPercentage = cpu.resource!.target.averageUtilization!;
  const out: HorizontalPodAutoscalerV1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata, spec: v1Spec };
  if (status) {
    const v1Status: NonNullable<HorizontalPodAutoscalerV1['status']> = {
      ...only(status as unknown as Json, ['observedGeneration', 'lastScaleTime']),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
    };
    // The last cpu utilization wins, as in kube's loop.
    for (const m of status.currentMetrics ?? []) {
      const u = m.type === 'Resource' && m.resource?.name === 'cpu' ? m.resource.current.averageUtilization : undefined;
      if (u !== undefined) v1Status.currentCPUUtilizationPercentage = u;
    }
    out.status = v1Status;
  }
  return out;
}

/** conditionToV1 writes a condition in Go's field order; an unset lastTransitionTime is null, as metav1.Time marshals it. */
function conditionToV1(c: HorizontalPodAutoscalerCondition): Json {
  return { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime ?? null, ...only(c as unknown as Json, ['reason', 'message']) };
}

/** fromV1 is Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler. */
export function horizontalPodAutoscalerFromV1(hpa: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const annotations = hpa.metadata?.annotations;
  const v1Spec = hpa.spec as Partial<HorizontalPodAutoscalerV1['spec']> | undefined;
  const spec = only(v1Spec, ['scaleTargetRef', 'minReplicas', 'maxReplicas']) as unknown as HorizontalPodAutoscaler['spec'];
  const cpu = v1Spec?.targetCPUUtilizationPercentage;
  const metrics: MetricSpec[] = [];
  const other = parseAnnotation(annotations, METRIC_SPECS_ANNOTATION);
  // The other metrics first, then the cpu one, as kube orders them.
  if (Array.isArray(other)) metrics.push(...other.filter(isObject).map(metricFromV1));
  if (cpu !== undefined) metrics.push(cpuMetric(cpu));
  // kube's conversion fills in v1's implicit 80% cpu target when no metric is left; here v2's defaulting, which
  // every stored object goes through, does the same, so an apply configuration does not claim a metric it never set.
  if (metrics.length) spec.metrics = metrics;
  const behavior = behaviorFromAnnotation(parseAnnotation(annotations, BEHAVIOR_ANNOTATION));
  if (behavior) spec.behavior = behavior;

  const out: HorizontalPodAutoscaler = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: withoutRoundTripAnnotations(hpa.metadata), spec };
  const v1Status = hpa.status;
  const current = parseAnnotation(annotations, METRIC_STATUSES_ANNOTATION);
  const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  if (v1Status || Array.isArray(current) || Array.isArray(conditions)) {
    const status = only(v1Status as unknown as Json, ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) as unknown as HorizontalPodAutoscalerStatus;
    status.desiredReplicas ??= 0;
    const cpuNow = v1Status?.currentCPUUtilizationPercentage;
    if (cpuNow !== undefined) status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpuNow } } }];
    // The annotation's statuses replace it: they carry more (the raw value, the other metrics).
    if (Array.isArray(current)) status.currentMetrics = current.filter(isObject).map(metricStatusFromV1);
    if (Array.isArray(conditions)) {
      status.conditions = conditions.filter(isObject).map((c) => only(c, ['type', 'status', 'lastTransitionTime', 'reason', 'message']) as unknown as HorizontalPodAutoscalerCondition);
    }
    out.status = status;
  }
  return out;
}

/** horizontalPodAutoscalerV1 serves autoscaling/v1 beside the stored autoscaling/v2. */
export const horizontalPodAutoscalerV1: ServedVersionSpec<HorizontalPodAutoscaler, HorizontalPodAutoscalerV1> = {
  version: 'v1',
  schema: horizontalPodAutoscalerV1Schema,
  toStorage: horizontalPodAutoscalerFromV1,
  fromStorage: horizontalPodAutoscalerToV1,
};
