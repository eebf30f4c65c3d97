import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.js';
import { DEFAULT_KIND_OPTIONS, type KindContext } from './kind.js';
import { causesOf, createObject, validateUpdate } from './kind-test-helpers.js';
import { persistentVolumeClaimKind, type PersistentVolumeClaim } from './persistent-volume-claim.js';
import { persistentVolumeKind, type PersistentVolume } from './persistent-volume.js';
import { storageClassKind, type StorageClass } from './storage-class.js';

const claim = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv-1' },
  spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, csi: { driver: 'skiff.dev/docker-volume', volumeHandle: 'skiff-pv-1' }, ...spec },
});
const sc = (name: string, isDefault: boolean | undefined, created: string): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } } : {}) },
  provisioner: 'skiff.dev/docker-volume',
});
const context = (classes: StorageClass[]): KindContext => ({
  now: () => 0,
  options: DEFAULT_KIND_OPTIONS,
  get: () => undefined,
  list: (plural) => (plural === 'storageclasses' ? (classes as unknown as KubeObject[]) : []),
});
const row = (kind: { printer?: { cells(o: never, now: number): unknown[] } }, obj: unknown) => kind.printer!.cells(obj as never, Date.parse('2026-11-30T10:00:00Z'));

describe('persistentVolumeClaimKind', () => {
  it('starts Pending with volumeMode Filesystem, and refuses a claim without access modes or storage', () => {
    const pvc = createObject<PersistentVolumeClaim>('persistentvolumeclaims', claim());
    expect(pvc.status).toEqual({ phase: 'Pending' });
    expect(pvc.spec.volumeMode).toBe('Filesystem');
    expect(causesOf(() => createObject('persistentvolumeclaims', claim({ accessModes: [], resources: { requests: { storage: '0' } } })))).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
  });

  it('gives a claim without storageClassName the newest default class (DefaultStorageClass), and leaves "" and named classes alone', () => {
    const classes = [sc('old-default', true, '2026-01-01T00:00:00Z'), sc('new-default', true, '2026-06-01T00:00:00Z'), sc('fast', false, '2026-07-01T00:00:00Z')];
    const admit = (spec: PersistentVolumeClaim['spec']) => {
      const pvc = { ...claim(), spec } as PersistentVolumeClaim;
      persistentVolumeClaimKind.strategy.admit!(pvc, context(classes));
      return pvc.spec.storageClassName;
    };
    expect(admit({})).toBe('new-default');
    expect(admit({ storageClassName: '' })).toBe('');
    expect(admit({ storageClassName: 'fast' })).toBe('fast');
    const none = { ...claim(), spec: {} } as PersistentVolumeClaim;
    persistentVolumeClaimKind.strategy.admit!(none, context([sc('fast', false, '2026-07-01T00:00:00Z')]));
    expect(none.spec.storageClassName).toBeUndefined();
  });

  it('keeps the spec immutable except resources.requests, and lets the binder set volumeName once', () => {
    const old = createObject<PersistentVolumeClaim>('persistentvolumeclaims', claim());
    const bound = structuredClone(old);
    bound.spec.volumeName = 'pv-1';
    expect(() => validateUpdate('persistentvolumeclaims', bound, old)).not.toThrow();
    const moved = structuredClone(bound);
    moved.spec.volumeName = 'pv-2';
    expect(causesOf(() => validateUpdate('persistentvolumeclaims', moved, bound))).toEqual(['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
    const grown = structuredClone(bound);
    grown.spec.resources = { requests: { storage: '2Gi' } };
    expect(() => validateUpdate('persistentvolumeclaims', grown, bound)).not.toThrow();
  });

  it('prints kubectl get pvc columns: capacity and access modes only once bound', () => {
    const pvc = createObject<PersistentVolumeClaim>('persistentvolumeclaims', claim({ storageClassName: 'standard' }));
    pvc.metadata.creationTimestamp = '2026-11-30T09:58:00Z';
    expect(row(persistentVolumeClaimKind, pvc)).toEqual(['data', 'Pending', '', '', '', 'standard', '<unset>', '2m', 'Filesystem']);
    pvc.spec.volumeName = 'pvc-1';
    pvc.status = { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] };
    expect(row(persistentVolumeClaimKind, pvc).slice(0, 5)).toEqual(['data', 'Bound', 'pvc-1', '1Gi', 'RWO,ROX']);
  });
});

describe('persistentVolumeKind', () => {
  it('defaults a static volume to Retain and Pending, and requires one known source', () => {
    const pv = createObject<PersistentVolume>('persistentvolumes', volume());
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.status).toEqual({ phase: 'Pending' });
    expect(causesOf(() => createObject('persistentvolumes', volume({ csi: undefined })))).toEqual(['spec: Required value: must specify a volume type']);
    expect(causesOf(() => createObject('persistentvolumes', volume({ csi: undefined, nfs: { server: 'x', path: '/' } })))).toEqual(['spec.nfs: Unsupported value: "nfs": supported values: "csi", "hostPath", "local"']);
    expect(causesOf(() => createObject('persistentvolumes', volume({ csi: undefined, local: { path: '/mnt/disk' } })))).toEqual(['spec.nodeAffinity: Required value: Local volume requires node affinity']);
  });

  it('keeps the source and node affinity immutable', () => {
    const affinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } };
    const old = createObject<PersistentVolume>('persistentvolumes', volume({ nodeAffinity: affinity }));
    const next = structuredClone(old);
    next.spec.csi!.volumeHandle = 'other';
    next.spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } };
    expect(causesOf(() => validateUpdate('persistentvolumes', next, old))).toEqual([
      'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
      expect.stringMatching(/^spec\.nodeAffinity: Invalid value: .*field is immutable$/),
    ]);
  });

  it('prints kubectl get pv columns with the claim as namespace/name', () => {
    const pv = createObject<PersistentVolume>('persistentvolumes', volume({ claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', persistentVolumeReclaimPolicy: 'Delete' }));
    pv.status = { phase: 'Bound' };
    pv.metadata.creationTimestamp = '2026-11-30T09:59:00Z';
    expect(row(persistentVolumeKind, pv)).toEqual(['pv-1', '1Gi', 'RWO', 'Delete', 'Bound', 'default/data', 'standard', '<unset>', '', '60s', 'Filesystem']);
  });
});

describe('storageClassKind', () => {
  it('defaults Delete and Immediate, refuses Recycle, and keeps provisioner and binding mode immutable', () => {
    const body = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: 'skiff.dev/docker-volume' };
    const created = createObject<StorageClass>('storageclasses', body);
    expect(created).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(causesOf(() => createObject('storageclasses', { ...body, provisioner: '', reclaimPolicy: 'Recycle' }))).toEqual([
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    ]);
    const next = { ...structuredClone(created), volumeBindingMode: 'WaitForFirstConsumer' as const };
    expect(causesOf(() => validateUpdate('storageclasses', next, created))).toEqual([expect.stringMatching(/^volumeBindingMode: Forbidden/)]);
  });

  it('marks the default class in kubectl get sc', () => {
    expect(row(storageClassKind, { ...sc('standard', true, '2026-11-30T09:00:00Z'), reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' })).toEqual([
      'standard (default)',
      'skiff.dev/docker-volume',
      'Delete',
      'WaitForFirstConsumer',
      false,
      '60m',
    ]);
  });
});
