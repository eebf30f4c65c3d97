import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { FakeClock } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { newNode, newPod, T0 } from '../../testing/fixtures.js';
import { PodGCController } from './pod-gc-controller.js';

/** setUp puts the pods in both the informer cache and the client's store, and records the pods' patch bodies. */
function setUp(pods: Pod[]): { informers: ReturnType<typeof createFakeInformers>; client: RecordingClient; patches: unknown[] } {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  for (const pod of pods) {
    informers.pods.indexer.add(pod);
    client.pods.objects.set(`default/${pod.metadata.name}`, structuredClone(pod));
  }
  const patches: unknown[] = [];
  const patch = client.pods.patch.bind(client.pods);
  client.pods.patch = (name, body, opts) => {
    patches.push(body);
    return patch(name, body, opts);
  };
  return { informers, client, patches };
}

describe('PodGCController', () => {
  it('force-deletes pods on vanished nodes and on unready nodes past their grace, and trims finished pods', async () => {
    const stuck = newPod('stuck', undefined, { nodeName: 'dead' });
    stuck.metadata.deletionTimestamp = new Date(T0 - 1000).toISOString();
    const { informers, client } = setUp([
      newPod('orphan', undefined, { nodeName: 'gone' }),
      newPod('ok', undefined, { nodeName: 'live', ready: true }),
      stuck,
      newPod('done-old', undefined, { nodeName: 'live', phase: 'Succeeded', createdOffsetMs: -9000 }),
      newPod('done-new', undefined, { nodeName: 'live', phase: 'Succeeded', createdOffsetMs: -1000 }),
    ]);
    informers.nodes.indexer.add(newNode('live'));
    informers.nodes.indexer.add(newNode('dead', 'Unknown'));
    const gc = new PodGCController({ informers, client, clock: new FakeClock(T0), terminatedThreshold: 1 });
    await gc.reconcile();
    // Pods not yet finished are marked Failed first (the status patch); a finished one is only deleted.
    expect(client.actions()).toEqual([
      { verb: 'get', resource: 'nodes', name: 'gone' },
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'orphan', subresource: 'status' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'orphan' },
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'stuck', subresource: 'status' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'stuck' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'done-old' },
    ]);
  });

  it('marks a pod on a vanished node Failed with DisruptionTarget (DeletionByPodGC) for its uid before deleting it', async () => {
    const running = newPod('orphan', undefined, { nodeName: 'gone', ready: true });
    const { informers, client, patches } = setUp([running]);
    const gc = new PodGCController({ informers, client, clock: new FakeClock(T0) });
    await gc.reconcile();
    expect(patches).toEqual([{
      metadata: { uid: 'uid-orphan' },
      status: {
        phase: 'Failed',
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: new Date(T0).toISOString().replace('.000Z', 'Z') }],
      },
    }]);
    expect(client.actions().map((a) => a.verb)).toEqual(['get', 'patch', 'delete']);
  });

  it('marks an unscheduled terminating pod Failed without a DisruptionTarget condition (as kube\'s gcUnscheduledTerminating)', async () => {
    const pending = newPod('unscheduled');
    pending.metadata.deletionTimestamp = new Date(T0 - 1000).toISOString();
    const { informers, client, patches } = setUp([pending]);
    const gc = new PodGCController({ informers, client, clock: new FakeClock(T0) });
    await gc.reconcile();
    expect(patches).toEqual([{ metadata: { uid: 'uid-unscheduled' }, status: { phase: 'Failed' } }]);
    expect(client.actions().map((a) => a.verb)).toEqual(['patch', 'delete']);
  });
});
