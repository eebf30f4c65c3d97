import { describe, expect, it } from 'vitest';
import { RESOURCES, type PersistentVolumeClaim, type StatefulSet } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { storageInformers } from '../persistent-volume/storage-access.js';
import { StatefulSetController } from './stateful-set-controller.js';

function newSts(): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', resourceVersion: '1', generation: 1, creationTimestamp: iso(-60_000) },
    spec: {
      replicas: 2,
      serviceName: 'web',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cache', emptyDir: {} }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
    status: { replicas: 0 },
  };
}

function fixture() {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const controller = new StatefulSetController({ informers, client, recorder, clock: new FakeClock(T0) });
  const sts = newSts();
  client.statefulsets.objects.set('default/web', structuredClone(sts));
  informers.statefulsets.indexer.add(sts);
  // Claims and pods; the set's own status and its ControllerRevision are other tests' subject.
  const writes = () => client.actions().filter((a) => a.resource !== 'statefulsets' && a.resource !== 'controllerrevisions').map((a) => `${a.verb} ${a.resource} ${a.name}`);
  const claims = client.resource(RESOURCES.persistentvolumeclaims).objects as unknown as Map<string, PersistentVolumeClaim>;
  return { informers, client, controller, recorder, writes, claims };
}

describe('StatefulSet volumeClaimTemplates', () => {
  it('creates <template>-<set>-<ordinal> before each pod and mounts it in place of the template volume of that name', async () => {
    const f = fixture();
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['create persistentvolumeclaims data-web-0', 'create pods web-0', 'create persistentvolumeclaims data-web-1', 'create pods web-1']);
    expect(f.claims.get('default/data-web-1')).toMatchObject({
      metadata: { name: 'data-web-1', namespace: 'default', labels: { tier: 'db', app: 'web' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    expect(f.client.pods.objects.get('default/web-1')!.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } }, { name: 'cache', emptyDir: {} }]);
  });

  it('reuses a claim that survived its pod, and creates no claim for a pod whose claim is being deleted', async () => {
    const f = fixture();
    const caches = storageInformers(f.informers);
    const kept: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-web-0', namespace: 'default', uid: 'uid-kept' }, spec: { volumeName: 'pvc-uid-kept' } };
    const going: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-web-1', namespace: 'default', uid: 'uid-going', deletionTimestamp: iso(0) }, spec: {} };
    caches.claims.indexer.add(kept);
    caches.claims.indexer.add(going);
    await expect(f.controller.reconcile('default/web')).rejects.toThrow('pvc data-web-1 is being deleted');
    expect(f.writes()).toEqual(['create pods web-0']);
  });
});
