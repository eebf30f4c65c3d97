import { describe, expect, it } from 'vitest';
import { FakeClock } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { newNode, newPod, T0 } from '../../testing/fixtures.js';
import { PodGCController } from './pod-gc-controller.js';

describe('PodGCController', () => {
  it('force-deletes pods on vanished nodes and on unready nodes past their grace, and trims finished pods', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    informers.nodes.indexer.add(newNode('live'));
    informers.nodes.indexer.add(newNode('dead', 'Unknown'));
    informers.pods.indexer.add(newPod('orphan', undefined, { nodeName: 'gone' }));
    informers.pods.indexer.add(newPod('ok', undefined, { nodeName: 'live', ready: true }));
    const stuck = newPod('stuck', undefined, { nodeName: 'dead' });
    stuck.metadata.deletionTimestamp = new Date(T0 - 1000).toISOString();
    informers.pods.indexer.add(stuck);
    informers.pods.indexer.add(newPod('done-old', undefined, { nodeName: 'live', phase: 'Succeeded', createdOffsetMs: -9000 }));
    informers.pods.indexer.add(newPod('done-new', undefined, { nodeName: 'live', phase: 'Succeeded', createdOffsetMs: -1000 }));
    const gc = new PodGCController({ informers, client, clock: new FakeClock(T0), terminatedThreshold: 1 });
    await gc.reconcile();
    expect(client.actions()).toEqual([
      { verb: 'get', resource: 'nodes', name: 'gone' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'orphan' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'stuck' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'done-old' },
    ]);
  });
});
