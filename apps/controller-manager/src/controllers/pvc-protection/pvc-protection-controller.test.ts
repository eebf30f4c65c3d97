import { describe, expect, it } from 'vitest';
import { RESOURCES, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { storageInformers } from '../persistent-volume/storage-access.js';
import { PvcProtectionController } from './pvc-protection-controller.js';

const FINALIZER = 'kubernetes.io/pvc-protection';

const claim = (name: string, opts: { deleting?: boolean; finalizers?: string[] } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', finalizers: opts.finalizers ?? [FINALIZER], ...(opts.deleting ? { deletionTimestamp: iso() } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  status: { phase: 'Bound' },
});

const pod = (name: string, claimName: string, opts: { node?: string; phase?: 'Running' | 'Succeeded'; deleting?: { grace: number; running: boolean } } = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...(opts.deleting ? { deletionTimestamp: iso(), deletionGracePeriodSeconds: opts.deleting.grace } : {}) },
  spec: {
    ...(opts.node === '' ? {} : { nodeName: opts.node ?? 'n1' }),
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
  },
  status: {
    phase: opts.phase ?? 'Running',
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: opts.deleting && !opts.deleting.running ? { terminated: { exitCode: 0 } } : { running: {} } }],
  },
} as Pod);

/** fixture holds `claims` in cache and API, and `cached` pods in the cache; `live` pods only in the API (a lagging cache). */
function fixture(claims: PersistentVolumeClaim[], cached: Pod[], live: Pod[] = cached) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const controller = new PvcProtectionController({ informers, client });
  const store = client.resource(RESOURCES.persistentvolumeclaims).objects as unknown as Map<string, PersistentVolumeClaim>;
  for (const c of claims) {
    storageInformers(informers).claims.indexer.add(c);
    store.set(`default/${c.metadata.name}`, structuredClone(c));
  }
  for (const p of cached) informers.pods.indexer.add(p);
  for (const p of live) client.pods.objects.set(`default/${p.metadata.name}`, structuredClone(p));
  const writes = () => client.actions().filter((a) => a.verb !== 'get' && a.verb !== 'list').map((a) => `${a.verb} ${a.resource} ${a.name}`);
  const finalizers = (name: string) => store.get(`default/${name}`)?.metadata.finalizers;
  return { controller, client, writes, finalizers };
}

describe('PvcProtectionController', () => {
  it('keeps the finalizer of a claim being deleted while a running pod mounts it', async () => {
    const f = fixture([claim('data', { deleting: true })], [pod('web-0', 'data')]);
    await f.controller.reconcile('default/data');
    expect(f.writes()).toEqual([]);
    expect(f.finalizers('data')).toEqual([FINALIZER]);
  });

  it('removes the finalizer once no pod uses the claim, keeping other finalizers', async () => {
    const f = fixture([claim('data', { deleting: true, finalizers: ['example.com/x', FINALIZER] })], [pod('other', 'elsewhere')]);
    await f.controller.reconcile('default/data');
    expect(f.writes()).toEqual(['update persistentvolumeclaims data']);
    expect(f.finalizers('data')).toEqual(['example.com/x']);
  });

  it('does not count pods that are done: terminal, unscheduled, force-deleted, or deleted with no container running', async () => {
    const done = [
      pod('finished', 'data', { phase: 'Succeeded' }),
      pod('pending', 'data', { node: '' }),
      pod('forced', 'data', { deleting: { grace: 0, running: true } }),
      pod('stopped', 'data', { deleting: { grace: 30, running: false } }),
    ];
    const f = fixture([claim('data', { deleting: true })], done);
    await f.controller.reconcile('default/data');
    expect(f.finalizers('data')).toEqual([]);
    // A pod deleted gracefully whose container still runs holds the claim until it stops.
    const g = fixture([claim('data', { deleting: true })], [pod('stopping', 'data', { deleting: { grace: 30, running: true } })]);
    await g.controller.reconcile('default/data');
    expect(g.finalizers('data')).toEqual([FINALIZER]);
  });

  it('asks the API before releasing: a pod the cache has not seen yet still protects the claim', async () => {
    const f = fixture([claim('data', { deleting: true })], [], [pod('web-0', 'data')]);
    await f.controller.reconcile('default/data');
    expect(f.client.actions().map((a) => `${a.verb} ${a.resource}`)).toEqual(['list pods']);
    expect(f.finalizers('data')).toEqual([FINALIZER]);
  });

  it('adds the finalizer to a live claim created without it', async () => {
    const f = fixture([claim('old', { finalizers: [] })], []);
    await f.controller.reconcile('default/old');
    expect(f.finalizers('old')).toEqual([FINALIZER]);
  });
});
