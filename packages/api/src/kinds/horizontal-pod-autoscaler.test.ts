import { describe, expect, it } from 'vitest';
import { formatHPAMetrics, horizontalPodAutoscalerKind, type HorizontalPodAutoscaler } from './horizontal-pod-autoscaler.js';
import { causesOf, createObject } from './kind-test-helpers.js';

const create = (body: unknown): HorizontalPodAutoscaler => createObject<HorizontalPodAutoscaler>('horizontalpodautoscalers', body);
const body = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec },
});

describe('horizontalPodAutoscalerKind', () => {
  it('defaults minReplicas 1 and CPU utilization 80%, and leaves behavior unset when none was given', () => {
    const hpa = create(body());
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(hpa.spec.behavior).toBeUndefined();
    expect(hpa.status).toEqual({ desiredReplicas: 0 });
  });

  it('fills a partial behavior with kube defaults, keeping scale-down stabilization unset for the controller flag', () => {
    const hpa = create(body({ behavior: { scaleDown: { stabilizationWindowSeconds: 5 } } }));
    expect(hpa.spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    expect(create(body({ behavior: { scaleUp: {} } })).spec.behavior?.scaleDown?.stabilizationWindowSeconds).toBeUndefined();
  });

  it('refuses min above max, max below 1, a missing target, a bad metric target and out-of-range behavior, naming each field', () => {
    expect(causesOf(() => create(body({ minReplicas: 6 })))).toEqual(['spec.minReplicas: Invalid value: 6: must be less than or equal to maxReplicas']);
    expect(causesOf(() => create(body({ maxReplicas: 0, minReplicas: 0 })))).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1',
    ]);
    expect(causesOf(() => create(body({ scaleTargetRef: { kind: 'Deployment' } })))).toEqual(['spec.scaleTargetRef.name: Required value']);
    expect(causesOf(() => create(body({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] })))).toEqual([
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set averageUtilization when type is Utilization',
    ]);
    expect(causesOf(() => create(body({ metrics: [{ type: 'Resource' }] })))).toEqual(['spec.metrics[0].resource: Required value: must populate information for the given metric source']);
    expect(causesOf(() => create(body({ behavior: { scaleDown: { stabilizationWindowSeconds: 3601, selectPolicy: 'Often', policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } })))).toEqual([
      'spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600 and greater than or equal to 0',
      'spec.behavior.scaleDown.selectPolicy: Unsupported value: "Often": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
    ]);
  });

  it('prints NAME, REFERENCE, TARGETS as `cpu: current/target`, MINPODS, MAXPODS, REPLICAS, AGE as kubectl get hpa does', () => {
    const hpa = create(body({ minReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }));
    hpa.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    const printer = horizontalPodAutoscalerKind.printer!;
    expect(printer.columns.map((c) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(printer.cells(hpa, Date.parse('2026-01-01T00:01:00Z'))).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/50%', '2', 5, 0, '60s']);
    hpa.status = { desiredReplicas: 3, currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '45m' } } }] };
    expect(printer.cells(hpa, Date.parse('2026-01-01T00:01:00Z'))[2]).toBe('cpu: 45%/50%');
    expect(formatHPAMetrics([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }], undefined)).toBe('memory: <unknown>/100Mi');
    const three = Array.from({ length: 3 }, () => ({ type: 'Resource' as const, resource: { name: 'cpu', target: { type: 'Utilization' as const, averageUtilization: 50 } } }));
    expect(formatHPAMetrics(three, undefined)).toBe('cpu: <unknown>/50%, cpu: <unknown>/50% + 1 more...');
  });
});
