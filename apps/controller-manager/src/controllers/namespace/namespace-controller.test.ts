import { describe, expect, it } from 'vitest';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { newPod, newReplicaSet } from '../../testing/fixtures.js';
import { NamespaceController } from './namespace-controller.js';

describe('NamespaceController', () => {
  it('deletes the content of a namespace that is gone', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    informers.replicasets.indexer.add(newReplicaSet('web', 1));
    informers.pods.indexer.add(newPod('p'));
    informers.resources.get('configmaps')!.indexer.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } });
    const c = new NamespaceController({ informers, client });
    expect(await c.reconcile('default')).toEqual({ requeueAfterMs: 1000 });
    expect(client.actions()).toEqual([
      { verb: 'get', resource: 'namespaces', name: 'default' },
      { verb: 'delete', resource: 'configmaps', namespace: 'default', name: 'cm' },
      { verb: 'delete', resource: 'replicasets', namespace: 'default', name: 'web' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'p' },
    ]);
  });

  it('leaves an active namespace alone', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    informers.namespaces.indexer.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    informers.pods.indexer.add(newPod('p'));
    await new NamespaceController({ informers, client }).reconcile('default');
    expect(client.actions()).toEqual([]);
  });
});
