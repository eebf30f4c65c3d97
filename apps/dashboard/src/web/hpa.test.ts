import { describe, expect, it } from 'vitest';
import { hpaFor, hpaSummary, metricTargets, type Hpa } from './hpa.js';

const hpa = (status?: Hpa['status']): Hpa => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
  ...(status ? { status } : {}),
});

describe('an autoscaler on its target\'s row', () => {
  it('is found by namespace, kind and name', () => {
    const target = { metadata: { name: 'web', namespace: 'default' } };
    expect(hpaFor('StatefulSet', target, [hpa()])?.metadata.name).toBe('web');
    expect(hpaFor('Deployment', target, [hpa()])).toBeUndefined();
    expect(hpaFor('StatefulSet', { metadata: { name: 'web', namespace: 'other' } }, [hpa()])).toBeUndefined();
  });

  it('shows current → desired replicas and cpu current/target as kubectl get hpa does', () => {
    expect(metricTargets(hpa())).toEqual(['cpu: <unknown>/50%']);
    const live = hpa({ currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 81, averageValue: '405m' } } }] });
    expect(hpaSummary(live)).toBe('HPA web (2–5) · replicas 2 → 3 · cpu: 81%/50%');
  });
});
