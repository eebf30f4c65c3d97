import { describe, expect, it } from 'vitest';
import { RESOURCES } from './index.js';
import {
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
  horizontalPodAutoscalerFromV1,
  horizontalPodAutoscalerToV1,
  type HorizontalPodAutoscalerV1,
} from './horizontal-pod-autoscaler-v1.js';
import { horizontalPodAutoscalerKind, type HorizontalPodAutoscaler } from './horizontal-pod-autoscaler.js';
import { servedVersionOf, SERVED_VERSIONS } from './served-versions.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const cpu = (averageUtilization: number) => ({ type: 'Resource' as const, resource: { name: 'cpu', target: { type: 'Utilization' as const, averageUtilization } } });

const v1 = (spec: Partial<HorizontalPodAutoscalerV1['spec']> = {}, annotations?: Record<string, string>): HorizontalPodAutoscalerV1 => ({
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { scaleTargetRef: ref, maxReplicas: 5, ...spec },
});

/** A v2 object using everything v1 has no field for. */
const full: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: ref,
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } },
      { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
      cpu(50),
    ],
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
    },
  },
  status: {
    observedGeneration: 3,
    lastScaleTime: '2026-11-30T09:00:00Z',
    currentReplicas: 2,
    desiredReplicas: 3,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 64, averageValue: '128m' } } },
    ],
    conditions: [
      { type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-11-30T09:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
      { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
    ],
  },
};

describe('autoscaling/v1 HorizontalPodAutoscaler conversion (kube pkg/apis/autoscaling/v1/conversion.go)', () => {
  it('turns targetCPUUtilizationPercentage into the cpu Utilization metric and back', () => {
    const stored = horizontalPodAutoscalerFromV1(v1({ minReplicas: 1, targetCPUUtilizationPercentage: 50 }));
    expect(stored.apiVersion).toBe('autoscaling/v2');
    expect(stored.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [cpu(50)] });
    const back = horizontalPodAutoscalerToV1(stored);
    expect(back.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    expect(back.metadata.annotations).toBeUndefined();
  });

  it('makes v1\'s implicit 80% cpu target explicit (through v2 defaulting) when no metric is given at all', () => {
    const stored = horizontalPodAutoscalerFromV1(v1());
    expect(stored.spec.metrics).toBeUndefined();
    horizontalPodAutoscalerKind.defaults!(stored);
    expect(stored.spec.metrics).toEqual([cpu(80)]);
  });

  it('keeps other metrics, behavior, current metrics and conditions in the annotations, in v1 shapes, and restores them exactly', () => {
    const out = horizontalPodAutoscalerToV1(full);
    expect(out.spec).toEqual({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
    expect(out.status).toEqual({ observedGeneration: 3, lastScaleTime: '2026-11-30T09:00:00Z', currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 64 });
    const a = out.metadata.annotations!;
    expect(a.team).toBe('a');
    expect(JSON.parse(a[METRIC_SPECS_ANNOTATION]!)).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', targetAverageUtilization: 70, container: 'app' } },
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
      { type: 'Object', object: { target: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metricName: 'rps', targetValue: '2k' } },
      { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetAverageValue: '30' } },
    ]);
    // v1's currentAverageValue is not optional: an unset one is "0", as Go writes a zero Quantity.
    expect(a[METRIC_STATUSES_ANNOTATION]).toBe(
      '[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"80Mi"}},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":64,"currentAverageValue":"128m"}}]',
    );
    // kube marshals its internal behavior type: Go field names, null for what is unset.
    expect(a[BEHAVIOR_ANNOTATION]).toBe(
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15}]},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Min","Policies":[{"Type":"Percent","Value":10,"PeriodSeconds":60}]}}',
    );
    expect(a[CONDITIONS_ANNOTATION]).toBe(
      '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-11-30T09:00:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size"},{"type":"ScalingActive","status":"True","lastTransitionTime":null,"reason":"ValidMetricFound"}]',
    );

    // Back in v2 nothing is lost; the cpu metric comes after the others, where kube puts it.
    expect(horizontalPodAutoscalerFromV1(out)).toEqual(full);
  });

  it('lets a v1 client change the cpu target without losing the rest, and drops the annotations from what is stored', () => {
    const out = horizontalPodAutoscalerToV1(full);
    const edited = { ...out, spec: { ...out.spec, targetCPUUtilizationPercentage: 65, maxReplicas: 12 } };
    const stored = horizontalPodAutoscalerFromV1(edited);
    expect(stored.metadata.annotations).toEqual({ team: 'a' });
    expect(stored.spec.maxReplicas).toBe(12);
    expect(stored.spec.metrics).toEqual([...full.spec.metrics!.slice(0, 5), cpu(65)]);
    expect(stored.spec.behavior).toEqual(full.spec.behavior);
    // Removing the cpu target leaves the other metrics (no 80% default: there are metrics).
    const { targetCPUUtilizationPercentage: _dropped, ...noCpu } = out.spec;
    expect(horizontalPodAutoscalerFromV1({ ...out, spec: noCpu }).spec.metrics).toEqual(full.spec.metrics!.slice(0, 5));
  });

  it('reads behavior keys case-insensitively, as Go does, ignores an annotation that is not JSON, and replaces stale ones', () => {
    const camel = horizontalPodAutoscalerFromV1(v1({ targetCPUUtilizationPercentage: 50 }, { [BEHAVIOR_ANNOTATION]: '{"scaleDown":{"stabilizationWindowSeconds":30}}', [METRIC_SPECS_ANNOTATION]: 'not json' }));
    expect(camel.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 30 } });
    expect(camel.spec.metrics).toEqual([cpu(50)]);
    expect(camel.metadata.annotations).toBeUndefined();
    // An empty behavior is no behavior.
    expect(horizontalPodAutoscalerFromV1(v1({}, { [BEHAVIOR_ANNOTATION]: '{}' })).spec.behavior).toBeUndefined();
    // Annotations a user put on the v2 object are not shown as if conversion made them.
    const stale = { ...full, spec: { ...full.spec, metrics: [cpu(50)] }, status: { desiredReplicas: 1 }, metadata: { name: 'web', annotations: { [METRIC_SPECS_ANNOTATION]: '[{"type":"Pods"}]' } } } as HorizontalPodAutoscaler;
    expect(Object.keys(horizontalPodAutoscalerToV1(stale).metadata.annotations ?? {})).toEqual([BEHAVIOR_ANNOTATION]);
  });

  it('is served as autoscaling/v1 beside the stored v2: strict decoding of v1 fields, conversion, same resource', () => {
    expect(SERVED_VERSIONS.map((v) => v.info.apiVersion)).toContain('autoscaling/v1');
    const served = servedVersionOf({ ...RESOURCES.horizontalpodautoscalers, version: 'v1', apiVersion: 'autoscaling/v1' })!;
    expect(served.storage.info).toBe(RESOURCES.horizontalpodautoscalers);
    expect(served.info).toMatchObject({ group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], hasStatus: true });
    expect(served.info.subresources.map((s) => `${s.name} ${s.version}`)).toEqual(['status v1']);
    expect(servedVersionOf(RESOURCES.horizontalpodautoscalers)).toBeUndefined();

    const decoded = served.decode(v1({ targetCPUUtilizationPercentage: 40, metrics: [] } as never), { fieldValidation: 'Warn' });
    expect(decoded.warnings).toEqual(['unknown field "spec.metrics"']);
    expect(decoded.object).toMatchObject({ apiVersion: 'autoscaling/v2', spec: { metrics: [cpu(40)] } });
    expect(() => served.decode(v1({ metrics: [] } as never), { fieldValidation: 'Strict' })).toThrow(/strict decoding error: unknown field "spec.metrics"/);
    expect(served.fromStorage(decoded.object)).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 40 } });
  });
});
