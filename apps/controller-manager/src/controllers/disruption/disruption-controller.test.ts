import { describe, expect, it } from 'vitest';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, newDeployment, newPod, newReplicaSet, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { DELETION_TIMEOUT_MS, DisruptionController } from './disruption-controller.js';

function newPdb(spec: PodDisruptionBudgetSpec, status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-pdb', resourceVersion: '1', generation: 2, creationTimestamp: iso(-60_000) },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(status ? { status } : {}),
  };
}

function fixture() {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const clock = new FakeClock(T0);
  const controller = new DisruptionController({ informers, client, recorder, clock });
  const addPdb = (pdb: PodDisruptionBudget): void => {
    client.poddisruptionbudgets.objects.set('default/web', structuredClone(pdb));
    informers.poddisruptionbudgets.indexer.add(pdb);
  };
  const status = () => client.poddisruptionbudgets.objects.get('default/web')!.status!;
  return { informers, client, recorder, clock, controller, addPdb, status };
}

describe('DisruptionController', () => {
  it('with an integer minAvailable counts the selected Ready pods and allows the surplus', async () => {
    const f = fixture();
    f.addPdb(newPdb({ minAvailable: 2 }));
    for (const [name, ready] of [['a', true], ['b', true], ['c', true], ['d', false]] as const) f.informers.pods.indexer.add(newPod(name, undefined, { ready }));
    const other = newPod('other', undefined, { ready: true });
    other.metadata.labels = { app: 'db' };
    f.informers.pods.indexer.add(other);
    await f.controller.reconcile('default/web');
    expect(f.client.actions()).toEqual([{ verb: 'update', resource: 'poddisruptionbudgets', namespace: 'default', name: 'web', subresource: 'status' }]);
    expect(f.status()).toEqual({
      observedGeneration: 2,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 4,
      disruptionsAllowed: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 2, lastTransitionTime: iso(0) }],
    });
  });

  it('with maxUnavailable takes the expected count from the owning Deployment, so missing pods count as unavailable', async () => {
    const f = fixture();
    const d = newDeployment('web', 4);
    const rs = newReplicaSet('web-1', 4);
    rs.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true }];
    f.informers.deployments.indexer.add(d);
    f.informers.replicasets.indexer.add(rs);
    f.addPdb(newPdb({ maxUnavailable: 1 }));
    // Only 3 of the Deployment's 4 pods exist: one is already unavailable, so nothing more may go.
    for (const name of ['a', 'b', 'c']) f.informers.pods.indexer.add(newPod(name, rs, { ready: true }));
    await f.controller.reconcile('default/web');
    expect(f.status()).toMatchObject({ expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 });
    expect(f.status().conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('with a percentage minAvailable takes the expected count from the owning StatefulSet', async () => {
    const f = fixture();
    const sts = { apiVersion: 'apps/v1' as const, kind: 'StatefulSet' as const, metadata: { name: 'db', namespace: 'default', uid: 'uid-db' }, spec: { replicas: 4, selector: {}, template: { spec: { containers: [] } } } };
    f.informers.statefulsets.indexer.add(sts);
    f.addPdb(newPdb({ minAvailable: '50%' }));
    for (const name of ['db-0', 'db-1', 'db-2']) f.informers.pods.indexer.add(newPod(name, sts, { ready: true }));
    await f.controller.reconcile('default/web');
    expect(f.status()).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
  });

  it('fails safe with SyncFailed when a percentage covers pods no scalable workload owns', async () => {
    const f = fixture();
    f.addPdb(newPdb({ minAvailable: '50%' }));
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', uid: 'uid-j' } };
    f.informers.pods.indexer.add(newPod('a', job, { ready: true }));
    await f.controller.reconcile('default/web');
    expect(f.status()).toMatchObject({ disruptionsAllowed: 0, conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "a"' }] });
    expect(f.recorder.events).toContain('Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "a"');
  });

  it('keeps an evicted pod out of currentHealthy until it is deleted or the deletion timeout passes', async () => {
    const f = fixture();
    f.addPdb(newPdb({ minAvailable: 1 }, { observedGeneration: 2, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2, disruptedPods: { a: iso(-1000), gone: iso(-1000) } }));
    f.informers.pods.indexer.add(newPod('a', undefined, { ready: true }));
    f.informers.pods.indexer.add(newPod('b', undefined, { ready: true }));
    const result = await f.controller.reconcile('default/web');
    expect(f.status()).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { a: iso(-1000) } });
    expect(result).toEqual({ requeueAfterMs: DELETION_TIMEOUT_MS - 1000 });
    f.informers.poddisruptionbudgets.indexer.update(structuredClone(f.client.poddisruptionbudgets.objects.get('default/web')!));
    f.clock.advance(DELETION_TIMEOUT_MS);
    await f.controller.reconcile('default/web');
    expect(f.status()).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1 });
    expect(f.status().disruptedPods).toBeUndefined();
  });

  it('writes nothing when the status is already what it computes', async () => {
    const f = fixture();
    f.addPdb(newPdb({ minAvailable: 1 }));
    f.informers.pods.indexer.add(newPod('a', undefined, { ready: true }));
    await f.controller.reconcile('default/web');
    f.informers.poddisruptionbudgets.indexer.update(structuredClone(f.client.poddisruptionbudgets.objects.get('default/web')!));
    f.client.clearActions();
    await f.controller.reconcile('default/web');
    expect(f.client.actions()).toEqual([]);
  });
});
