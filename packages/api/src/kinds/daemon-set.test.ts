import { describe, expect, it } from 'vitest';
import { daemonSetKind, type DaemonSet } from './daemon-set.js';
import { causesOf, createObject, validateUpdate } from './kind-test-helpers.js';

const create = (body: unknown): DaemonSet => createObject<DaemonSet>('daemonsets', body);
const body = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent' },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

describe('daemonSetKind', () => {
  it('defaults RollingUpdate with maxUnavailable 1 and maxSurge 0 and 10 revisions, as SetDefaults_DaemonSet', () => {
    const ds = create(body());
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    expect(ds.spec.template.spec.restartPolicy).toBe('Always');
    expect(ds.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });

  it('refuses a selector that misses the template, an unknown strategy, 0/0 rolling parameters and restartPolicy Never', () => {
    expect(causesOf(() => create(body({ selector: { matchLabels: { app: 'other' } } })))).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`']);
    expect(causesOf(() => create(body({ updateStrategy: { type: 'Sometimes' } })))).toEqual(['spec.updateStrategy.type: Unsupported value: "Sometimes": supported values: "OnDelete", "RollingUpdate"']);
    expect(causesOf(() => create(body({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0 when maxSurge is 0',
    ]);
    const never = body();
    (never.spec.template.spec as Record<string, unknown>).restartPolicy = 'Never';
    expect(causesOf(() => create(never))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });

  it('keeps the selector immutable', () => {
    const old = create(body());
    const next = structuredClone(old);
    next.spec.selector = { matchLabels: { app: 'agent', tier: 'x' } };
    next.spec.template.metadata!.labels = { app: 'agent', tier: 'x' };
    expect(() => validateUpdate('daemonsets', next, old)).toThrow(/spec.selector/);
  });

  it('prints kubectl get ds columns with the node selector', () => {
    const ds = create(body());
    ds.spec.template.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
    ds.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberMisscheduled: 0 };
    expect(daemonSetKind.printer!.columns.map((c) => c.name)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector']);
    expect(daemonSetKind.printer!.cells(ds, Date.now()).slice(0, 7)).toEqual(['agent', 3, 3, 2, 1, 2, 'kubernetes.io/os=linux']);
  });
});
