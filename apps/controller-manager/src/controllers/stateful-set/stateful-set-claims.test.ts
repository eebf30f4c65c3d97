import { describe, expect, it } from 'vitest';
import { RESOURCES, type PersistentVolumeClaim, type StatefulSet } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { storageInformers } from '../persistent-volume/storage-access.js';
import { newStatefulPod, StatefulSetController } from './stateful-set-controller.js';

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

describe('StatefulSet persistentVolumeClaimRetentionPolicy', () => {
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true };
  const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: true });

  function withPolicy(policy: { whenDeleted: 'Retain' | 'Delete'; whenScaled: 'Retain' | 'Delete' }, replicas = 2) {
    const f = fixture();
    const sts = f.informers.statefulsets.indexer.get('default/web')!;
    sts.spec.persistentVolumeClaimRetentionPolicy = policy;
    sts.spec.replicas = replicas;
    // OnDelete: the pods below are not rolled (their revision is made up).
    sts.spec.updateStrategy = { type: 'OnDelete' };
    return f;
  }

  /** existing puts pod `name` (Running, Ready, of the set) and its claim, with `refs`, in the caches and the API. */
  function existing(f: ReturnType<typeof fixture>, ordinal: number, refs: PersistentVolumeClaim['metadata']['ownerReferences'] = undefined) {
    const sts = f.informers.statefulsets.indexer.get('default/web')!;
    const pod = newStatefulPod(sts, ordinal, 'rev');
    pod.metadata.uid = `uid-web-${ordinal}`;
    pod.metadata.resourceVersion = '1';
    pod.spec.nodeName = 'n1';
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    f.informers.pods.indexer.add(pod);
    f.client.pods.objects.set(`default/web-${ordinal}`, structuredClone(pod));
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `data-web-${ordinal}`, namespace: 'default', uid: `uid-data-web-${ordinal}`, resourceVersion: '1', ...(refs ? { ownerReferences: refs } : {}) },
      spec: { volumeName: `pv-${ordinal}` },
    };
    storageInformers(f.informers).claims.indexer.add(claim);
    f.claims.set(`default/data-web-${ordinal}`, structuredClone(claim));
  }

  it('whenDeleted Delete: new claims are owned by the set, so the garbage collector deletes them with it', async () => {
    const f = withPolicy({ whenDeleted: 'Delete', whenScaled: 'Retain' });
    await f.controller.reconcile('default/web');
    expect(f.claims.get('default/data-web-0')!.metadata.ownerReferences).toEqual([setRef]);
    expect(f.claims.get('default/data-web-1')!.metadata.ownerReferences).toEqual([setRef]);
  });

  it('Retain (the default): claims get no owner, and a policy switched back to Retain drops the set reference', async () => {
    const f = withPolicy({ whenDeleted: 'Retain', whenScaled: 'Retain' }, 1);
    existing(f, 0, [setRef, { apiVersion: 'example.com/v1', kind: 'Other', name: 'o', uid: 'uid-o' }]);
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['update persistentvolumeclaims data-web-0']);
    expect(f.claims.get('default/data-web-0')!.metadata.ownerReferences).toEqual([{ apiVersion: 'example.com/v1', kind: 'Other', name: 'o', uid: 'uid-o' }]);
  });

  it('whenScaled Delete: a scale-down 3 to 1 hands the claims of ordinals 2 and 1 to their pods before deleting them; claim 0 stays ownerless', async () => {
    const f = withPolicy({ whenDeleted: 'Retain', whenScaled: 'Delete' }, 1);
    for (const i of [0, 1, 2]) existing(f, i);
    await f.controller.reconcile('default/web');
    // Parallel: both condemned pods go in one pass, each after its claim changed hands.
    expect(f.writes()).toEqual(['update persistentvolumeclaims data-web-2', 'update persistentvolumeclaims data-web-1', 'delete pods web-2', 'delete pods web-1']);
    expect(f.claims.get('default/data-web-2')!.metadata.ownerReferences).toEqual([podRef('web-2')]);
    expect(f.claims.get('default/data-web-1')!.metadata.ownerReferences).toEqual([podRef('web-1')]);
    expect(f.claims.get('default/data-web-0')!.metadata.ownerReferences).toBeUndefined();
  });

  it('both Delete: a condemned pod takes its claim over from the set; a pod back in range gives it back, dropping a stale pod reference', async () => {
    const f = withPolicy({ whenDeleted: 'Delete', whenScaled: 'Delete' }, 2);
    existing(f, 1, [{ ...podRef('web-1'), uid: 'uid-an-earlier-web-1' }]);
    existing(f, 2, [setRef]);
    await f.controller.reconcile('default/web');
    expect(f.claims.get('default/data-web-2')!.metadata.ownerReferences).toEqual([{ ...podRef('web-2'), uid: 'uid-web-2' }]);
    expect(f.claims.get('default/data-web-1')!.metadata.ownerReferences).toEqual([setRef]);
  });

  it('leaves a claim controlled by another owner alone', async () => {
    const f = withPolicy({ whenDeleted: 'Delete', whenScaled: 'Retain' }, 1);
    existing(f, 0, [{ apiVersion: 'example.com/v1', kind: 'Other', name: 'o', uid: 'uid-o', controller: true }]);
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual([]);
  });
});
