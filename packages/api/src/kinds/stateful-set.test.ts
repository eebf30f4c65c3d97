import { describe, expect, it } from 'vitest';
import { causesOf, createObject, validateUpdate } from './kind-test-helpers.js';
import type { StatefulSet } from './stateful-set.js';

const create = (body: unknown): StatefulSet => createObject<StatefulSet>('statefulsets', body);
const body = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web' },
  spec: { serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

describe('statefulSetKind', () => {
  it('defaults as SetDefaults_StatefulSet: 1 replica, OrderedReady, RollingUpdate with partition 0, Retain claims', () => {
    const sts = create(body());
    expect(sts.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
  });

  it('takes volumeClaimTemplates that are valid claims, and refuses unnamed, duplicate or incomplete ones', () => {
    const template = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    expect(create(body({ volumeClaimTemplates: [template] })).spec.volumeClaimTemplates).toEqual([template]);
    // Containers mount a claim template by its name; a mount of neither a volume nor a template is refused.
    const mounting = (name: string) => body({ volumeClaimTemplates: [template], template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name, mountPath: '/data' }] }] } } });
    expect(causesOf(() => create(mounting('data')))).toEqual([]);
    expect(causesOf(() => create(mounting('other')))).toEqual(['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "other"']);
    expect(causesOf(() => create(body({ volumeClaimTemplates: [template, template, { metadata: {}, spec: { accessModes: ['ReadWriteSometimes'] } }] })))).toEqual([
      'spec.volumeClaimTemplates[1].metadata.name: Duplicate value: "data"',
      'spec.volumeClaimTemplates[2].metadata.name: Required value',
      'spec.volumeClaimTemplates[2].spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.volumeClaimTemplates[2].spec.resources[storage]: Required value',
    ]);
  });

  it('refuses a bad policy and a negative partition', () => {
    expect(causesOf(() => create(body({ podManagementPolicy: 'Random', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } })))).toEqual([
      'spec.podManagementPolicy: Unsupported value: "Random": supported values: "OrderedReady", "Parallel"',
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('forbids changing serviceName or podManagementPolicy, allows replicas and template', () => {
    const old = create(body());
    const ok = structuredClone(old);
    ok.spec.replicas = 5;
    ok.spec.template.spec.containers[0]!.image = 'busybox:latest';
    expect(() => validateUpdate('statefulsets', ok, old)).not.toThrow();
    const bad = structuredClone(old);
    bad.spec.serviceName = 'other';
    expect(() => validateUpdate('statefulsets', bad, old)).toThrow(/updates to statefulset spec for fields other than 'replicas'/);
  });
});
