import { describe, expect, it } from 'vitest';
import { ApiError, type ReplicaSet } from '@skiff/api';
import { FakeClock, isTerminalError } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { FakeEventRecorder as FakeRecorder } from '@skiff/controller-kit';
import { newPod, newReplicaSet, T0 } from '../../testing/fixtures.js';
import { ReplicaSetController } from './replica-set-controller.js';
import { podsToDelete } from './rank-pods-for-deletion.js';

function fixture() {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeRecorder();
  const clock = new FakeClock(T0);
  const controller = new ReplicaSetController({ informers, client, recorder, clock });
  /** addReplicaSet puts a ReplicaSet where it lives: in the api-server (the client) and in the informer's cache. */
  const addReplicaSet = (rs: ReplicaSet): void => {
    client.replicasets.objects.set(`${rs.metadata.namespace}/${rs.metadata.name}`, structuredClone(rs));
    informers.replicasets.indexer.add(rs);
  };
  return { informers, client, recorder, clock, controller, addReplicaSet };
}

describe('ReplicaSetController', () => {
  it('fails an invalid selector terminally, without writing anything: no retry can fix it', async () => {
    const f = fixture();
    const rs = newReplicaSet('web', 1);
    rs.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Near' as 'In', values: ['web'] }] };
    f.informers.replicasets.indexer.add(rs);
    const err = await f.controller.reconcile('default/web').then(() => undefined, (e: unknown) => e);
    expect(isTerminalError(err)).toBe(true);
    expect((err as Error).message).toContain('replicaset default/web has an invalid spec.selector');
    expect(f.client.actions()).toEqual([]);
  });

  it('creates the missing pods with a controlling ownerReference and writes status', async () => {
    const f = fixture();
    const rs = newReplicaSet('web', 3);
    f.addReplicaSet(rs);
    await f.controller.reconcile('default/web');
    expect(f.client.actions()).toEqual([
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'web-' },
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'web-' },
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'web-' },
      { verb: 'update', resource: 'replicasets', namespace: 'default', name: 'web', subresource: 'status' },
    ]);
    const pods = [...f.client.pods.objects.values()];
    expect(pods[0]!.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    expect(f.recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate'))).toHaveLength(3);
  });

  it('does not create again while its creations have not been observed (slow watch)', async () => {
    const f = fixture();
    f.addReplicaSet(newReplicaSet('web', 2));
    await f.controller.reconcile('default/web');
    // The watch is slow for pods only: the ReplicaSet's own status write has reached the cache.
    f.informers.replicasets.indexer.update(structuredClone(f.client.replicasets.objects.get('default/web')!));
    f.client.clearActions();
    await f.controller.reconcile('default/web');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);
    f.controller.expectations.creationObserved('default/web');
    f.controller.expectations.creationObserved('default/web');
    await f.controller.reconcile('default/web');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toHaveLength(2);
  });

  it('deletes the least valuable pods first: unscheduled, then pending, then not ready', async () => {
    const f = fixture();
    const rs = newReplicaSet('web', 2);
    f.addReplicaSet(rs);
    f.informers.pods.indexer.add(newPod('ready-old', rs, { ready: true, createdOffsetMs: -50_000 }));
    f.informers.pods.indexer.add(newPod('ready-new', rs, { ready: true, createdOffsetMs: -10_000 }));
    f.informers.pods.indexer.add(newPod('unscheduled', rs));
    f.informers.pods.indexer.add(newPod('pending', rs, { nodeName: 'node-1' }));
    await f.controller.reconcile('default/web');
    expect(f.client.actions()).toEqual([
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'unscheduled' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'pending' },
      { verb: 'update', resource: 'replicasets', namespace: 'default', name: 'web', subresource: 'status' },
    ]);
  });

  it('adopts matching orphans and releases owned pods that stopped matching', async () => {
    const f = fixture();
    const rs = newReplicaSet('web', 1);
    f.addReplicaSet(rs);
    const orphan = newPod('orphan', undefined, { ready: true });
    const strayed = newPod('strayed', rs, { ready: true });
    strayed.metadata.labels = { app: 'other' };
    f.client.pods.objects.set('default/orphan', orphan);
    f.client.pods.objects.set('default/strayed', strayed);
    f.informers.pods.indexer.add(orphan);
    f.informers.pods.indexer.add(strayed);
    await f.controller.reconcile('default/web');
    expect(f.client.actions()).toEqual([
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'orphan' },
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'strayed' },
      { verb: 'update', resource: 'replicasets', namespace: 'default', name: 'web', subresource: 'status' },
    ]);
    expect(f.client.pods.objects.get('default/orphan')!.metadata.ownerReferences?.[0]?.uid).toBe('uid-web');
    expect(f.client.pods.objects.get('default/strayed')!.metadata.ownerReferences).toBeUndefined();
  });

  it('reports ready and available replicas honouring minReadySeconds', async () => {
    const f = fixture();
    const rs = newReplicaSet('web', 2);
    rs.spec.minReadySeconds = 60;
    f.addReplicaSet(rs);
    f.informers.pods.indexer.add(newPod('a', rs, { ready: true }));
    f.informers.pods.indexer.add(newPod('b', rs));
    const result = await f.controller.reconcile('default/web');
    const written = f.client.replicasets.objects.get('default/web')!;
    expect(written.status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 0, observedGeneration: 1 });
    expect(result.requeueAfterMs).toBe(60_000);
  });

  it('fails with a Conflict, writing nothing, when its cached ReplicaSet is stale; succeeds once the cache catches up', async () => {
    const f = fixture();
    const rs = newReplicaSet('web', 0);
    f.addReplicaSet(rs);
    f.informers.pods.indexer.add(newPod('a', rs, { ready: true }));
    // Someone else (a scale, a label edit) wrote the ReplicaSet after the informer's copy was taken.
    const newer = await f.client.replicasets.update(structuredClone(rs));
    f.client.clearActions();
    const err = await f.controller.reconcile('default/web').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe('Conflict');
    expect((err as ApiError).code).toBe(409);
    expect((err as ApiError).message).toBe('Operation cannot be fulfilled on replicasets.apps "web": the object has been modified; please apply your changes to the latest version and try again');
    expect(f.client.replicasets.objects.get('default/web')!.status).toEqual({ replicas: 0 });
    // The watch delivers the newer copy; the requeued reconcile now writes status on top of it.
    f.informers.replicasets.indexer.update(newer);
    await f.controller.reconcile('default/web');
    expect(f.client.replicasets.objects.get('default/web')!.status).toMatchObject({ replicas: 1 });
  });

  it('does nothing for a ReplicaSet that is gone', async () => {
    const f = fixture();
    await f.controller.reconcile('default/missing');
    expect(f.client.actions()).toEqual([]);
  });

  it('ranks pods for deletion', () => {
    const rs = newReplicaSet('web', 1);
    const order = podsToDelete([newPod('r', rs, { ready: true }), newPod('u', rs), newPod('p', rs, { nodeName: 'n' })], 3).map((p) => p.metadata.name);
    expect(order).toEqual(['u', 'p', 'r']);
  });
});
