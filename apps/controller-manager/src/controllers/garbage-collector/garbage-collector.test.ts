import { describe, expect, it } from 'vitest';
import { ApiError, RESOURCES, type KubeObject } from '@skiff/api';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { newPod, newReplicaSet } from '../../testing/fixtures.js';
import { GarbageCollector } from './garbage-collector.js';

describe('GarbageCollector', () => {
  it('deletes a dependent whose owner is confirmed gone', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const gc = new GarbageCollector({ informers, client });
    informers.pods.indexer.add(newPod('p', newReplicaSet('web', 1)));
    client.pods.objects.set('default/p', newPod('p'));
    await gc.reconcile('pods|default/p');
    expect(client.actions()).toEqual([
      { verb: 'get', resource: 'replicasets', namespace: 'default', name: 'web' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'p' },
    ]);
  });

  it('keeps a dependent whose owner exists on the server though not yet in the cache', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const gc = new GarbageCollector({ informers, client });
    const rs = newReplicaSet('web', 1);
    client.replicasets.objects.set('default/web', rs);
    informers.pods.indexer.add(newPod('p', rs));
    await gc.reconcile('pods|default/p');
    expect(client.actions()).toEqual([{ verb: 'get', resource: 'replicasets', namespace: 'default', name: 'web' }]);
  });

  it('orphans dependents, then removes the orphan finalizer', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const gc = new GarbageCollector({ informers, client });
    const rs = newReplicaSet('web', 1, { deletionTimestamp: '2025-01-01T00:00:00Z', finalizers: ['orphan'] });
    informers.replicasets.indexer.add(rs);
    const pod = newPod('p', rs);
    informers.pods.indexer.add(pod);
    client.pods.objects.set('default/p', pod);
    client.replicasets.objects.set('default/web', rs);
    await gc.reconcile('replicasets|default/web');
    expect(client.actions()).toEqual([
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'p' },
      { verb: 'update', resource: 'replicasets', namespace: 'default', name: 'web' },
    ]);
    expect(client.pods.objects.get('default/p')!.metadata.ownerReferences).toBeUndefined();
    expect(client.replicasets.objects.get('default/web')!.metadata.finalizers).toEqual([]);
  });

  it('foreground: deletes dependents first and waits for them', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const gc = new GarbageCollector({ informers, client });
    const rs = newReplicaSet('web', 1, { deletionTimestamp: '2025-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
    informers.replicasets.indexer.add(rs);
    informers.pods.indexer.add(newPod('p', rs));
    client.pods.failNext('delete', new ApiError({ reason: 'NotFound', message: 'gone' }));
    expect(await gc.reconcile('replicasets|default/web')).toEqual({ requeueAfterMs: 1000 });
    expect(client.actions()).toEqual([{ verb: 'delete', resource: 'pods', namespace: 'default', name: 'p' }]);
  });

  it('follows an owner reference between kinds no controller names (ConfigMap owning a ConfigMap)', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const gc = new GarbageCollector({ informers, client });
    const dep: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dep', namespace: 'default', uid: 'u-dep', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-owner' }] } };
    informers.resources.get('configmaps')!.indexer.add(dep);
    client.resource(RESOURCES.configmaps).objects.set('default/dep', dep);
    await gc.reconcile('configmaps|default/dep');
    expect(client.actions()).toEqual([
      { verb: 'get', resource: 'configmaps', namespace: 'default', name: 'owner' },
      { verb: 'delete', resource: 'configmaps', namespace: 'default', name: 'dep' },
    ]);
  });
});
