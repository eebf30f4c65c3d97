import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const NS = '/api/v1/namespaces/default';
const claim = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

describe('storage kinds over HTTP', () => {
  it('starts with the default StorageClass standard: Docker volumes, WaitForFirstConsumer, Delete', async () => {
    const r = await api(s.url, 'GET', '/apis/storage.k8s.io/v1/storageclasses/standard');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'skiff.dev/docker-volume',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  });

  it('gives a claim without a class the default one, keeps an explicit "", and starts it Pending', async () => {
    const r = await api(s.url, 'POST', `${NS}/persistentvolumeclaims`, claim('defaulted'));
    expect(r.status).toBe(201);
    expect(r.body.spec.storageClassName).toBe('standard');
    expect(r.body.status).toEqual({ phase: 'Pending' });
    const none = await api(s.url, 'POST', `${NS}/persistentvolumeclaims`, claim('classless', { storageClassName: '' }));
    expect(none.body.spec.storageClassName).toBe('');
  });

  it('puts the StorageObjectInUseProtection finalizers on new claims and volumes, so a delete leaves them Terminating', async () => {
    const pvc = await api(s.url, 'POST', `${NS}/persistentvolumeclaims`, claim('protected', { storageClassName: '' }));
    expect(pvc.body.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    const pv = await api(s.url, 'POST', '/api/v1/persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'protected', finalizers: ['example.com/keep'] }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/tmp/p' } } });
    expect(pv.body.metadata.finalizers).toEqual(['example.com/keep', 'kubernetes.io/pv-protection']);
    // Without the pvc-protection controller (none runs here) the claim stays, marked for deletion.
    expect((await api(s.url, 'DELETE', `${NS}/persistentvolumeclaims/protected`)).status).toBe(200);
    const held = await api(s.url, 'GET', `${NS}/persistentvolumeclaims/protected`);
    expect(held.status).toBe(200);
    expect(held.body.metadata.deletionTimestamp).toBeTruthy();
  });

  it('refuses a claim without access modes or size, and a volume without a source, with 422 naming the fields', async () => {
    const r = await api(s.url, 'POST', `${NS}/persistentvolumeclaims`, claim('bad', { accessModes: [], resources: {} }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('PersistentVolumeClaim "bad" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]');
    const pv = await api(s.url, 'POST', '/api/v1/persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nosource' }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } });
    expect(pv.status).toBe(422);
    expect(pv.body.message).toBe('PersistentVolume "nosource" is invalid: spec: Required value: must specify a volume type');
  });

  it('accepts a StatefulSet whose containers mount a volumeClaimTemplate', async () => {
    const r = await api(s.url, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    expect(r.status).toBe(201);
  });
});
