import { describe, expect, it } from 'vitest';
import { RESOURCES, type Node, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { PersistentVolumeController } from './persistent-volume-controller.js';
import { storageInformers } from './storage-access.js';

const klass = (name: string, mode: StorageClass['volumeBindingMode'], provisioner = 'skiff.dev/docker-volume'): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, uid: `uid-${name}`, resourceVersion: '1' },
  provisioner,
  reclaimPolicy: 'Delete',
  volumeBindingMode: mode,
});

const claim = (name: string, extra: { className?: string; node?: string; volumeName?: string; storage?: string } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...(extra.node ? { annotations: { 'volume.kubernetes.io/selected-node': extra.node } } : {}) },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: extra.storage ?? '1Gi' } },
    storageClassName: extra.className ?? 'standard',
    volumeMode: 'Filesystem',
    ...(extra.volumeName ? { volumeName: extra.volumeName } : {}),
  },
  status: { phase: extra.volumeName ? 'Bound' : 'Pending' },
});

const volume = (name: string, extra: { storage?: string; className?: string; claimRef?: PersistentVolume['spec']['claimRef']; policy?: 'Delete' | 'Retain'; phase?: PersistentVolume['status'] } = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, uid: `uid-${name}`, resourceVersion: '1' },
  spec: {
    capacity: { storage: extra.storage ?? '1Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: extra.className ?? 'manual',
    persistentVolumeReclaimPolicy: extra.policy ?? 'Retain',
    volumeMode: 'Filesystem',
    hostPath: { path: `/mnt/${name}` },
    ...(extra.claimRef ? { claimRef: extra.claimRef } : {}),
  },
  status: extra.phase ?? { phase: 'Available' },
});

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name } }, spec: {}, status: {} }) as Node;

/** stored is the RecordingClient's map of a storage kind, typed. */
const stored = <T>(client: RecordingClient, info: (typeof RESOURCES)['persistentvolumes' | 'persistentvolumeclaims']) => client.resource(info).objects as unknown as Map<string, T>;

function fixture(objs: { classes?: StorageClass[]; claims?: PersistentVolumeClaim[]; volumes?: PersistentVolume[]; nodes?: Node[] }) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const controller = new PersistentVolumeController({ informers, client, recorder, clock: new FakeClock(T0) });
  const caches = storageInformers(informers);
  for (const c of objs.classes ?? []) caches.classes.indexer.add(c);
  for (const n of objs.nodes ?? []) informers.nodes.indexer.add(n);
  for (const c of objs.claims ?? []) {
    caches.claims.indexer.add(c);
    stored<PersistentVolumeClaim>(client, RESOURCES.persistentvolumeclaims).set(`default/${c.metadata.name}`, structuredClone(c));
  }
  for (const v of objs.volumes ?? []) {
    caches.volumes.indexer.add(v);
    stored<PersistentVolume>(client, RESOURCES.persistentvolumes).set(v.metadata.name!, structuredClone(v));
  }
  const writes = () => client.actions().filter((a) => a.verb !== 'get').map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`);
  const storedClaim = (name: string) => stored<PersistentVolumeClaim>(client, RESOURCES.persistentvolumeclaims).get(`default/${name}`);
  const storedVolume = (name: string) => stored<PersistentVolume>(client, RESOURCES.persistentvolumes).get(name);
  return { controller, client, recorder, writes, storedClaim, storedVolume };
}

describe('PersistentVolumeController', () => {
  it('leaves a WaitForFirstConsumer claim alone until the scheduler names a node', async () => {
    const f = fixture({ classes: [klass('standard', 'WaitForFirstConsumer')], claims: [claim('data')] });
    await f.controller.reconcile('claim/default/data');
    expect(f.writes()).toEqual([]);
    expect(f.recorder.events).toEqual(['Normal WaitForFirstConsumer waiting for first consumer to be created before binding']);
  });

  it('provisions a Docker volume pinned to the selected node and binds it: claimRef, volumeName, both Bound', async () => {
    const f = fixture({ classes: [klass('standard', 'WaitForFirstConsumer')], claims: [claim('data', { node: 'n1', storage: '2Gi' })], nodes: [node('n1')] });
    await f.controller.reconcile('claim/default/data');
    expect(f.writes()).toEqual([
      'update persistentvolumeclaims data',
      'create persistentvolumes pvc-uid-data',
      'update persistentvolumeclaims data',
      'update persistentvolumes/status pvc-uid-data',
      'update persistentvolumeclaims/status data',
    ]);
    const pv = f.storedVolume('pvc-uid-data')!;
    expect(pv.spec).toMatchObject({
      capacity: { storage: '2Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'standard',
      claimRef: { namespace: 'default', name: 'data', uid: 'uid-data' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
      csi: { driver: 'skiff.dev/docker-volume', volumeHandle: 'skiff-pvc-uid-data' },
    });
    expect(pv.status?.phase).toBe('Bound');
    const pvc = f.storedClaim('data')!;
    expect(pvc.spec.volumeName).toBe('pvc-uid-data');
    expect(pvc.metadata.annotations).toMatchObject({ 'volume.kubernetes.io/storage-provisioner': 'skiff.dev/docker-volume', 'pv.kubernetes.io/bind-completed': 'yes' });
    expect(pvc.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    expect(f.recorder.events).toContain('Normal ProvisioningSucceeded Successfully provisioned volume pvc-uid-data');
  });

  it('binds an Immediate claim to the smallest Available volume of its class that is big enough', async () => {
    const volumes = [volume('small', { storage: '500Mi' }), volume('big', { storage: '10Gi' }), volume('fit', { storage: '2Gi' }), volume('other', { storage: '2Gi', className: 'slow' })];
    const f = fixture({ classes: [klass('manual', 'Immediate', 'kubernetes.io/no-provisioner')], claims: [claim('data', { className: 'manual' })], volumes });
    await f.controller.reconcile('claim/default/data');
    expect(f.writes()).toEqual(['update persistentvolumes fit', 'update persistentvolumeclaims data', 'update persistentvolumes/status fit', 'update persistentvolumeclaims/status data']);
    expect(f.storedVolume('fit')!.spec.claimRef).toMatchObject({ name: 'data', uid: 'uid-data' });
    expect(f.storedClaim('data')!.status?.capacity).toEqual({ storage: '2Gi' });
  });

  it('releases a volume whose claim is gone and deletes it when its reclaim policy is Delete', async () => {
    const ref = { namespace: 'default', name: 'gone', uid: 'uid-gone' };
    const f = fixture({ volumes: [volume('pv-del', { claimRef: ref, policy: 'Delete', phase: { phase: 'Bound' } })] });
    await f.controller.reconcile('volume/pv-del');
    expect(f.writes()).toEqual(['update persistentvolumes/status pv-del', 'delete persistentvolumes pv-del']);
    expect(f.storedVolume('pv-del')).toBeUndefined();

    const g = fixture({ volumes: [volume('pv-keep', { claimRef: ref, policy: 'Retain', phase: { phase: 'Bound' } })] });
    await g.controller.reconcile('volume/pv-keep');
    expect(g.writes()).toEqual(['update persistentvolumes/status pv-keep']);
    expect(g.storedVolume('pv-keep')!.status?.phase).toBe('Released');
  });

  it('marks a volume already being deleted Released once its claim is gone, without deleting it again', async () => {
    const held = volume('pv-held', { claimRef: { namespace: 'default', name: 'gone', uid: 'uid-gone' }, policy: 'Delete', phase: { phase: 'Bound' } });
    held.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
    held.metadata.finalizers = ['kubernetes.io/pv-protection'];
    const f = fixture({ volumes: [held] });
    await f.controller.reconcile('volume/pv-held');
    expect(f.writes()).toEqual(['update persistentvolumes/status pv-held']);
    expect(f.storedVolume('pv-held')!.status?.phase).toBe('Released');
  });

  it('does not release a volume when only the cache has lost its claim (the API still has it)', async () => {
    const f = fixture({ volumes: [volume('pv-1', { claimRef: { namespace: 'default', name: 'data', uid: 'uid-data' }, policy: 'Delete', phase: { phase: 'Bound' } })] });
    stored<PersistentVolumeClaim>(f.client, RESOURCES.persistentvolumeclaims).set('default/data', claim('data', { volumeName: 'pv-1' }));
    await f.controller.reconcile('volume/pv-1');
    expect(f.writes()).toEqual([]);
  });

  it('marks a bound claim Lost when its volume is gone', async () => {
    const f = fixture({ claims: [claim('data', { volumeName: 'pv-missing' })] });
    await f.controller.reconcile('claim/default/data');
    expect(f.writes()).toEqual(['update persistentvolumeclaims/status data']);
    expect(f.storedClaim('data')!.status?.phase).toBe('Lost');
    expect(f.recorder.events).toEqual(['Warning ClaimLost Bound claim has lost reference to PersistentVolume. Data on the volume is lost!']);
  });
});
