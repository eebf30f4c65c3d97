import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, RESOURCES, type KubeObject, type Lease } from '@skiff/api';
import { createFakeCluster, createFakeInformers, takeKeys } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { newPod, newReplicaSet } from '../../testing/fixtures.js';
import { GarbageCollector } from './garbage-collector.js';

function nodeLease(name: string, renewTime: string): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease', uid: `uid-lease-${name}`, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: `uid-node-${name}` }] },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
  };
}

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

  describe('acts on an update only when owner references or the deletion state changed (graph_builder)', () => {
    const stop = new AbortController();
    afterAll(() => stop.abort());
    /** runningCollector builds a collector on running informers, whose handlers see the updates a test sends. */
    const runningCollector = async () => {
      const { informers, source, start } = createFakeCluster();
      const gc = new GarbageCollector({ informers, client: new RecordingClient() });
      await start(stop.signal);
      return { source, nextKeys: (count: number): Promise<string[]> => takeKeys(gc.queue, count) };
    };

    it('enqueues nothing for node Lease renewals or a status-only write, and still enqueues an owner change', async () => {
      const { source, nextKeys } = await runningCollector();
      const leases = source('leases');
      leases.add(nodeLease('n1', '2025-01-01T00:00:00.000000Z') as unknown as KubeObject);
      leases.add(nodeLease('n2', '2025-01-01T00:00:00.000000Z') as unknown as KubeObject);
      expect(await nextKeys(2)).toEqual(['leases|kube-node-lease/n1', 'leases|kube-node-lease/n2']);

      for (let i = 1; i <= 5; i++) leases.modify(nodeLease('n1', `2025-01-01T00:00:${10 * i}.000000Z`) as unknown as KubeObject);
      const pods = source('pods');
      const pod = newPod('p', newReplicaSet('web', 1)) as unknown as KubeObject;
      pods.add(pod);
      expect(await nextKeys(1)).toEqual(['pods|default/p']);
      pods.modify({ ...pod, status: { phase: 'Running' } } as KubeObject);
      // The barrier: an owner change after the renewals and the status write; only it (and the owner it dropped) may be queued.
      const moved = nodeLease('n2', '2025-01-01T00:00:00.000000Z');
      moved.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: 'n2', uid: 'uid-node-n2-recreated' }];
      leases.modify(moved as unknown as KubeObject);
      expect(await nextKeys(2)).toEqual(['leases|kube-node-lease/n2', 'nodes|n2']);
      pods.modify({ ...pod, metadata: { ...pod.metadata, ownerReferences: [] } } as KubeObject);
      // The pod lost its owner: the owner is woken (it may be waiting on it in the foreground).
      expect(await nextKeys(1)).toEqual(['replicasets|default/web']);
    });

    it('enqueues an owner when its deletion starts with the orphan or foregroundDeletion finalizer', async () => {
      const { source, nextKeys } = await runningCollector();
      const replicasets = source('replicasets');
      const rs = newReplicaSet('web', 1) as unknown as KubeObject;
      replicasets.add(rs);
      replicasets.modify({ ...rs, status: { replicas: 1 } } as KubeObject);
      replicasets.modify({ ...rs, metadata: { ...rs.metadata, deletionTimestamp: '2025-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] } });
      expect(await nextKeys(1)).toEqual(['replicasets|default/web']);
    });
  });
});
