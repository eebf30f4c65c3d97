import { describe, expect, it } from 'vitest';
import { RESOURCES, type PersistentVolume } from '@skiff/api';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { storageInformers } from '../persistent-volume/storage-access.js';
import { PvProtectionController } from './pv-protection-controller.js';

const FINALIZER = 'kubernetes.io/pv-protection';

const volume = (name: string, phase: 'Bound' | 'Released' | 'Available', opts: { deleting?: boolean; finalizers?: string[] } = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, uid: `uid-${name}`, resourceVersion: '1', finalizers: opts.finalizers ?? [FINALIZER], ...(opts.deleting ? { deletionTimestamp: iso() } : {}) },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/mnt/${name}` } },
  status: { phase },
});

function fixture(volumes: PersistentVolume[]) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const controller = new PvProtectionController({ informers, client });
  const store = client.resource(RESOURCES.persistentvolumes).objects as unknown as Map<string, PersistentVolume>;
  for (const v of volumes) {
    storageInformers(informers).volumes.indexer.add(v);
    store.set(v.metadata.name!, structuredClone(v));
  }
  return { controller, finalizers: (name: string) => store.get(name)?.metadata.finalizers, writes: () => client.actions().map((a) => `${a.verb} ${a.name}`) };
}

describe('PvProtectionController', () => {
  it('holds a Bound volume being deleted and releases it once it is no longer Bound', async () => {
    const f = fixture([volume('bound', 'Bound', { deleting: true }), volume('released', 'Released', { deleting: true, finalizers: [FINALIZER, 'example.com/x'] })]);
    await f.controller.reconcile('bound');
    await f.controller.reconcile('released');
    expect(f.writes()).toEqual(['update released']);
    expect(f.finalizers('bound')).toEqual([FINALIZER]);
    expect(f.finalizers('released')).toEqual(['example.com/x']);
  });

  it('adds the finalizer to a live volume without it, and leaves one that has it alone', async () => {
    const f = fixture([volume('old', 'Available', { finalizers: [] }), volume('new', 'Available')]);
    await f.controller.reconcile('old');
    await f.controller.reconcile('new');
    expect(f.writes()).toEqual(['update old']);
    expect(f.finalizers('old')).toEqual([FINALIZER]);
  });
});
