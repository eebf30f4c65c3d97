import { describe, expect, it } from 'vitest';
import { RESOURCES, SERVED_VERSIONS } from '@skiff/api';
import { printTable } from '../printers/index.js';
import { requestVersion } from './request-version.js';

const stored = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7' },
  spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
  status: { desiredReplicas: 1 },
};
const v1 = SERVED_VERSIONS.find((v) => v.info.apiVersion === 'autoscaling/v1')!.info;

describe('requestVersion', () => {
  it('passes a storage version through untouched', () => {
    const v = requestVersion(RESOURCES.horizontalpodautoscalers);
    expect(v.storage).toBe(RESOURCES.horizontalpodautoscalers);
    expect(v.conversion).toBeUndefined();
    expect(v.answer(stored)).toBe(stored);
    const body = { apiVersion: 'autoscaling/v2' };
    expect(v.decode(body, { fieldValidation: 'Strict' })).toEqual({ object: body, warnings: [] });
  });

  it('answers another served version in it: objects, list items, whole-object Table rows; Status and metadata rows pass', () => {
    const v = requestVersion(v1);
    expect(v.storage).toBe(RESOURCES.horizontalpodautoscalers);
    expect(v.answer(stored)).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 50 } });
    const list = v.answer({ kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v2', metadata: {}, items: [stored] }) as any;
    expect(list.apiVersion).toBe('autoscaling/v1');
    expect(list.items[0].spec.targetCPUUtilizationPercentage).toBe(50);
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Success' };
    expect(v.answer(status)).toBe(status);

    const withObjects = v.answer(printTable('horizontalpodautoscalers', [stored], { nowMs: 0, includeObject: 'Object' })) as any;
    expect(withObjects.rows[0].cells[2]).toBe('cpu: <unknown>/50%');
    expect(withObjects.rows[0].object.apiVersion).toBe('autoscaling/v1');
    const withMetadata = v.answer(printTable('horizontalpodautoscalers', [stored], { nowMs: 0 })) as any;
    expect(withMetadata.rows[0].object.kind).toBe('PartialObjectMetadata');
  });
});
