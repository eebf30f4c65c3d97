import { describe, expect, it } from 'vitest';
import { FakeClock } from '@skiff/controller-kit';
import { createFakeCluster, createFakeInformers, takeKeys } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { FakeEventRecorder as FakeRecorder } from '@skiff/controller-kit';
import { newNode, newPod, T0 } from '../../testing/fixtures.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import { TaintEvictionController } from './taint-eviction-controller.js';
import { evictionDeadline } from './tolerations.js';

function fixture(nodes = ['n1', 'n2', 'n3']) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeRecorder();
  const clock = new FakeClock(T0);
  for (const n of nodes) {
    informers.nodes.indexer.add(newNode(n));
    client.nodes.objects.set(n, newNode(n));
  }
  const controller = new NodeLifecycleController({ informers, client, recorder, clock, gracePeriodMs: 4000, evictionRate: 10 });
  return { informers, client, recorder, clock, controller };
}

describe('NodeLifecycleController', () => {
  it('wakes a node for its kube-node-lease heartbeat, not for Leases elsewhere in the shared cluster-wide cache', async () => {
    const { informers, source, start } = createFakeCluster();
    const controller = new NodeLifecycleController({ informers, client: new RecordingClient(), recorder: new FakeRecorder(), clock: new FakeClock(T0) });
    const stop = new AbortController();
    try {
      await start(stop.signal);
      const lease = (name: string, namespace: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } });
      source('leases').add(lease('kube-controller-manager', 'kube-system'));
      source('leases').add(lease('n1', 'kube-node-lease'));
      expect(await takeKeys(controller.queue, 1)).toEqual(['n1']);
    } finally {
      stop.abort();
    }
  });

  it('leaves a node alone within the grace period', async () => {
    const f = fixture();
    await f.controller.reconcile('n1');
    f.clock.advance(3000);
    await f.controller.reconcile('n1');
    expect(f.client.actions()).toEqual([]);
  });

  it('marks a silent node Unknown, its pods not ready, and taints it unreachable', async () => {
    const f = fixture();
    const pod = newPod('p', undefined, { ready: true, nodeName: 'n1' });
    f.informers.pods.indexer.add(pod);
    f.client.pods.objects.set('default/p', pod);
    await f.controller.reconcile('n1');
    f.clock.advance(5000);
    await f.controller.reconcile('n1');
    expect(f.client.actions()).toEqual([
      { verb: 'update', resource: 'nodes', name: 'n1', subresource: 'status' },
      { verb: 'update', resource: 'pods', namespace: 'default', name: 'p', subresource: 'status' },
      { verb: 'update', resource: 'nodes', name: 'n1' },
    ]);
    const node = f.client.nodes.objects.get('n1')!;
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    expect(node.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(f.recorder.events).toContain('Normal NodeNotReady Node n1 status is now: NodeNotReady');
  });

  it('removes the taints when the node is Ready again', async () => {
    const f = fixture();
    const node = newNode('n1');
    node.spec = { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] };
    f.informers.nodes.indexer.add(node);
    await f.controller.reconcile('n1');
    expect(f.client.nodes.objects.get('n1')!.spec?.taints).toBeUndefined();
  });

  it('does not add NoExecute taints when every node looks down (a network problem)', async () => {
    const f = fixture(['n1', 'n2']);
    for (const n of ['n1', 'n2']) f.informers.nodes.indexer.add(newNode(n, 'Unknown'));
    await f.controller.reconcile('n1');
    expect(f.client.nodes.objects.get('n1')!.spec?.taints?.map((t) => t.effect)).toEqual(['NoSchedule']);
  });
});

describe('TaintEvictionController', () => {
  it('evicts a pod once its toleration of the taint runs out, not before', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const recorder = new FakeRecorder();
    const clock = new FakeClock(T0);
    const node = newNode('n1', 'Unknown');
    node.spec = { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: new Date(T0).toISOString() }] };
    informers.nodes.indexer.add(node);
    const pod = newPod('p', undefined, { ready: true, nodeName: 'n1' });
    pod.spec.tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }];
    informers.pods.indexer.add(pod);
    client.pods.objects.set('default/p', pod);
    const c = new TaintEvictionController({ informers, client, recorder, clock });
    expect(await c.reconcile('default/p')).toEqual({ requeueAfterMs: 2000 });
    expect(client.actions()).toEqual([]);
    clock.advance(2000);
    await c.reconcile('default/p');
    // Marked DisruptionTarget first (kube's addConditionAndDeletePod), then deleted.
    expect(client.actions()).toEqual([
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'p', subresource: 'status' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'p' },
    ]);
    expect(recorder.events).toEqual(['Normal TaintManagerEviction Marking for deletion Pod default/p']);
  });

  it('gives a pod its whole toleration from when it first sees the taint, not from the taint timeAdded (a restarted controller-manager evicts nothing at once)', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const clock = new FakeClock(T0);
    const node = newNode('n1', 'False');
    // Added an hour ago, by a controller-manager that has stopped since (npm start shut down and started again).
    node.spec = { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: new Date(T0 - 3_600_000).toISOString() }] };
    informers.nodes.indexer.add(node);
    const pod = newPod('p', undefined, { ready: true, nodeName: 'n1' });
    pod.spec.tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }];
    informers.pods.indexer.add(pod);
    client.pods.objects.set('default/p', pod);
    const c = new TaintEvictionController({ informers, client, recorder: new FakeRecorder(), clock });
    expect(await c.reconcile('default/p')).toEqual({ requeueAfterMs: 10_000 });
    clock.advance(4_000);
    // A later pass keeps the first start: 6 s are left, not 10.
    expect(await c.reconcile('default/p')).toEqual({ requeueAfterMs: 6_000 });
    expect(client.actions()).toEqual([]);
    clock.advance(6_000);
    await c.reconcile('default/p');
    expect(client.actions().map((a) => a.verb)).toEqual(['patch', 'delete']);
  });

  it('marks the pod DisruptionTarget (DeletionByTaintManager) for its uid before deleting it', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    const clock = new FakeClock(T0);
    const node = newNode('n1', 'False');
    node.spec = { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: new Date(T0).toISOString() }] };
    informers.nodes.indexer.add(node);
    const pod = newPod('p', undefined, { ready: true, nodeName: 'n1' });
    informers.pods.indexer.add(pod);
    client.pods.objects.set('default/p', pod);
    const patches: unknown[] = [];
    const patch = client.pods.patch.bind(client.pods);
    client.pods.patch = (name, body, opts) => {
      patches.push(body);
      return patch(name, body, opts);
    };
    const c = new TaintEvictionController({ informers, client, recorder: new FakeRecorder(), clock });
    await c.reconcile('default/p');
    expect(patches).toEqual([{
      metadata: { uid: pod.metadata.uid },
      status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: new Date(T0).toISOString().replace('.000Z', 'Z') }] },
    }]);
    expect(client.actions().map((a) => a.verb)).toEqual(['patch', 'delete']);
  });

  it('computes deadlines: untolerated now, unlimited never', () => {
    const taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' as const, timeAdded: new Date(T0).toISOString() };
    expect(evictionDeadline([taint], [], T0 + 5)).toBe(T0 + 5);
    expect(evictionDeadline([taint], [{ operator: 'Exists' }], T0)).toBeUndefined();
  });
});
