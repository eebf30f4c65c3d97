import { describe, expect, it } from 'vitest';
import { errors, RESOURCES, type ControllerRevision, type DaemonSet, type DaemonSetSpec, type Node, type Pod } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, newNode, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { revisionsInformer } from '../../util/controller-history.js';
import { computePodTemplateHash } from '../deployment/pod-template-hash.js';
import { DAEMON_TOLERATIONS } from './daemon-pod-placement.js';
import { newDaemonRevision } from './daemon-history.js';
import { DaemonSetController, newDaemonPod } from './daemon-set-controller.js';

/** revisionStore is the RecordingClient's ControllerRevisions, typed. */
const revisionStore = (client: RecordingClient) =>
  client.resource(RESOURCES.controllerrevisions) as unknown as { objects: Map<string, ControllerRevision>; failNext(verb: 'create', err: unknown): void };

function newDs(spec: Partial<DaemonSetSpec> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', resourceVersion: '1', generation: 1, creationTimestamp: iso(-60_000) },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...spec,
    },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
  };
}

function fixture() {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const clock = new FakeClock(T0);
  const controller = new DaemonSetController({ informers, client, recorder, clock });
  const revisions = revisionStore(client);
  /** addRevision stores a revision as the api-server and the informer would hold it. */
  const addRevision = (cr: ControllerRevision): ControllerRevision => {
    const stored = { ...structuredClone(cr), metadata: { ...cr.metadata, uid: `uid-${cr.metadata.name}`, resourceVersion: '1', creationTimestamp: iso(-60_000 + cr.revision) } };
    revisions.objects.set(`default/${cr.metadata.name}`, structuredClone(stored));
    revisionsInformer(informers).indexer.add(stored);
    return stored;
  };
  /** addDs stores the DaemonSet and, unless told otherwise, its template's revision (tests of pods start from there). */
  const addDs = (ds: DaemonSet, opts: { revision?: number | false } = {}): void => {
    client.daemonsets.objects.set('default/agent', structuredClone(ds));
    informers.daemonsets.indexer.add(ds);
    if (opts.revision !== false) addRevision(newDaemonRevision(ds, opts.revision ?? 1));
  };
  const storedRevisions = () => [...revisions.objects.values()];
  const addNodes = (...nodes: Node[]): void => nodes.forEach((n) => informers.nodes.indexer.add(n));
  /** daemonPod is a pod of `ds` bound to `node`, Ready unless said otherwise, of the template hash given. */
  const daemonPod = (ds: DaemonSet, node: string, opts: { hash?: string; ready?: boolean; created?: number } = {}): Pod => {
    const pod = newDaemonPod(ds, node, opts.hash ?? computePodTemplateHash(ds.spec.template));
    pod.metadata = { ...pod.metadata, name: `agent-${node}-${opts.hash ?? 'cur'}`, uid: `uid-${node}-${opts.hash ?? 'cur'}`, resourceVersion: '1', creationTimestamp: iso(opts.created ?? -10_000) };
    pod.spec.nodeName = node;
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(-5000) }] };
    informers.pods.indexer.add(pod);
    client.pods.objects.set(`default/${pod.metadata.name}`, structuredClone(pod));
    return pod;
  };
  const created = () => [...client.pods.objects.values()].filter((p) => p.metadata.name?.startsWith('agent-') && !informers.pods.indexer.get(`default/${p.metadata.name}`));
  const status = () => client.daemonsets.objects.get('default/agent')!.status!;
  return { informers, client, recorder, clock, controller, addDs, addNodes, addRevision, daemonPod, created, status, storedRevisions };
}

const tainted = (name: string, effect: 'NoSchedule' | 'NoExecute', key = 'dedicated'): Node => {
  const n = newNode(name);
  n.spec = { taints: [{ key, value: 'x', effect }] };
  return n;
};

describe('DaemonSetController', () => {
  it('creates one pod per eligible node, pinned by a metadata.name affinity for the scheduler, with the daemon tolerations', async () => {
    const f = fixture();
    const ds = newDs();
    ds.spec.template.spec.nodeSelector = { role: 'edge' };
    f.addDs(ds, { revision: false });
    const edge = (name: string): Node => ({ ...newNode(name), metadata: { ...newNode(name).metadata, labels: { role: 'edge' } } });
    f.addNodes(edge('n1'), edge('n2'), newNode('plain'));
    await f.controller.reconcile('default/agent');
    const hash = computePodTemplateHash(ds.spec.template);
    expect(f.client.actions()).toEqual([
      { verb: 'create', resource: 'controllerrevisions', namespace: 'default', name: `agent-${hash}` },
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'agent-' },
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'agent-' },
      { verb: 'update', resource: 'daemonsets', namespace: 'default', name: 'agent', subresource: 'status' },
    ]);
    const pods = f.created();
    const targets = pods.map((p) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
    expect(targets).toEqual([
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }],
    ]);
    expect(pods[0]!.spec.nodeName).toBeUndefined();
    expect(pods[0]!.spec.tolerations).toEqual(DAEMON_TOLERATIONS);
    expect(pods[0]!.metadata.labels).toEqual({ app: 'agent', 'controller-revision-hash': computePodTemplateHash(ds.spec.template) });
    expect(pods[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });
    expect(f.status()).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 0, numberMisscheduled: 0, observedGeneration: 1 });
  });

  it('skips nodes with untolerated NoSchedule/NoExecute taints but keeps a pod on a NoSchedule node; node conditions are tolerated', async () => {
    const f = fixture();
    const ds = newDs();
    f.addDs(ds);
    f.addNodes(tainted('nosched', 'NoSchedule'), tainted('noexec', 'NoExecute'), tainted('notready', 'NoExecute', 'node.kubernetes.io/not-ready'), tainted('cordoned', 'NoSchedule', 'node.kubernetes.io/unschedulable'));
    f.daemonPod(ds, 'nosched');
    f.daemonPod(ds, 'noexec');
    await f.controller.reconcile('default/agent');
    expect(f.client.actions().filter((a) => a.verb === 'delete')).toEqual([{ verb: 'delete', resource: 'pods', namespace: 'default', name: 'agent-noexec-cur' }]);
    expect(f.created().map((p) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0]).sort()).toEqual(['cordoned', 'notready']);
    // The NoSchedule node's pod may stay but the node is not desired: it counts as misscheduled.
    expect(f.status()).toMatchObject({ desiredNumberScheduled: 2, numberMisscheduled: 2 });
  });

  it('deletes the pod of a node that is gone or no longer matches, and the extra pods of a node', async () => {
    const f = fixture();
    const ds = newDs();
    ds.spec.template.spec.nodeSelector = { role: 'edge' };
    f.addDs(ds);
    f.addNodes({ ...newNode('n1'), metadata: { ...newNode('n1').metadata, labels: { role: 'edge' } } }, newNode('relabelled'));
    f.daemonPod(ds, 'n1', { created: -20_000 });
    f.daemonPod(ds, 'n1', { hash: 'dup', created: -10_000 });
    f.daemonPod(ds, 'relabelled');
    f.daemonPod(ds, 'gone');
    await f.controller.reconcile('default/agent');
    expect(f.client.actions().filter((a) => a.verb === 'delete').map((a) => a.name).sort()).toEqual(['agent-gone-cur', 'agent-n1-dup', 'agent-relabelled-cur']);
    expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);
  });

  it('rolls a new template out with maxUnavailable 1: one old pod at a time, the next only once the new one is available', async () => {
    const f = fixture();
    const ds = newDs();
    f.addDs(ds);
    f.addNodes(newNode('n1'), newNode('n2'), newNode('n3'));
    for (const n of ['n1', 'n2', 'n3']) f.daemonPod(ds, n, { hash: 'old' });
    await f.controller.reconcile('default/agent');
    expect(f.client.actions().filter((a) => a.verb !== 'update').map((a) => `${a.verb} ${a.name}`)).toEqual(['delete agent-n1-old']);
    expect(f.status()).toMatchObject({ desiredNumberScheduled: 3, updatedNumberScheduled: 0, numberAvailable: 3 });

    // The old pod is gone and its replacement on n1 is not Ready yet: nothing else may go.
    const g = fixture();
    g.addDs(ds);
    g.addNodes(newNode('n1'), newNode('n2'), newNode('n3'));
    g.daemonPod(ds, 'n1', { ready: false });
    for (const n of ['n2', 'n3']) g.daemonPod(ds, n, { hash: 'old' });
    await g.controller.reconcile('default/agent');
    expect(g.client.actions().filter((a) => a.verb === 'delete')).toEqual([]);
    expect(g.status()).toMatchObject({ updatedNumberScheduled: 1, numberReady: 2, numberAvailable: 2, numberUnavailable: 1 });
  });

  it('surges with maxSurge 1: the new pod starts beside the old one, and the old one goes once the new is available', async () => {
    const f = fixture();
    const ds = newDs({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    f.addDs(ds);
    f.addNodes(newNode('n1'), newNode('n2'));
    f.daemonPod(ds, 'n1', { hash: 'old' });
    f.daemonPod(ds, 'n2', { hash: 'old' });
    await f.controller.reconcile('default/agent');
    expect(f.client.actions().filter((a) => a.verb === 'delete')).toEqual([]);
    expect(f.created().map((p) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values)).toEqual([['n1']]);

    const g = fixture();
    g.addDs(ds);
    g.addNodes(newNode('n1'), newNode('n2'));
    g.daemonPod(ds, 'n1', { hash: 'old', created: -20_000 });
    g.daemonPod(ds, 'n1');
    g.daemonPod(ds, 'n2', { hash: 'old' });
    await g.controller.reconcile('default/agent');
    expect(g.client.actions().filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual(['agent-n1-old']);
  });

  it('leaves old pods alone with OnDelete, and counts them as not updated', async () => {
    const f = fixture();
    const ds = newDs({ updateStrategy: { type: 'OnDelete' } });
    f.addDs(ds);
    f.addNodes(newNode('n1'));
    f.daemonPod(ds, 'n1', { hash: 'old' });
    await f.controller.reconcile('default/agent');
    expect(f.client.actions().filter((a) => a.verb !== 'update')).toEqual([]);
    expect(f.status()).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 0, numberReady: 1 });
  });

  describe('ControllerRevisions', () => {
    const withImage = (image: string, spec: Partial<DaemonSetSpec> = {}): DaemonSet => {
      const ds = newDs(spec);
      ds.spec.template.spec.containers[0]!.image = image;
      return ds;
    };

    it('snapshots a new template as revision 1: the template patch kubectl undo sends, template labels plus the hash, owned by the DaemonSet', async () => {
      const f = fixture();
      const ds = newDs();
      ds.metadata.annotations = { 'kubernetes.io/change-cause': 'first' };
      f.addDs(ds, { revision: false });
      f.addNodes(newNode('n1'));
      await f.controller.reconcile('default/agent');
      const hash = computePodTemplateHash(ds.spec.template);
      const [cr] = f.storedRevisions();
      expect(cr).toMatchObject({
        metadata: {
          name: `agent-${hash}`,
          namespace: 'default',
          labels: { app: 'agent', 'controller-revision-hash': hash },
          annotations: { 'kubernetes.io/change-cause': 'first' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-agent', controller: true }],
        },
        revision: 1,
        data: { spec: { template: { ...ds.spec.template, $patch: 'replace' } } },
      });
      expect(f.created()[0]!.metadata.labels?.['controller-revision-hash']).toBe(hash);
    });

    it('a new image is revision 2; pods of revision 1 are the old ones the rolling update replaces', async () => {
      const f = fixture();
      const v1 = withImage('busybox:1.36');
      const v2 = withImage('busybox:latest');
      v2.metadata.generation = 2;
      f.addRevision(newDaemonRevision(v1, 1));
      f.addDs(v2, { revision: false });
      f.addNodes(newNode('n1'), newNode('n2'));
      for (const n of ['n1', 'n2']) f.daemonPod(v2, n, { hash: computePodTemplateHash(v1.spec.template) });
      await f.controller.reconcile('default/agent');
      expect(f.client.actions().filter((a) => a.verb !== 'update').map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
        `create controllerrevisions agent-${computePodTemplateHash(v2.spec.template)}`,
        `delete pods agent-n1-${computePodTemplateHash(v1.spec.template)}`,
      ]);
      expect(f.storedRevisions().map((cr) => [cr.metadata.name, cr.revision])).toEqual([
        [`agent-${computePodTemplateHash(v1.spec.template)}`, 1],
        [`agent-${computePodTemplateHash(v2.spec.template)}`, 2],
      ]);
      expect(f.status()).toMatchObject({ updatedNumberScheduled: 0, desiredNumberScheduled: 2 });
    });

    it('after `rollout undo` the matching old revision is renumbered newest (no new revision) and the pods of the other roll back', async () => {
      const f = fixture();
      const v1 = withImage('busybox:1.36');
      const v2 = withImage('busybox:latest');
      const h1 = computePodTemplateHash(v1.spec.template);
      const h2 = computePodTemplateHash(v2.spec.template);
      f.addRevision(newDaemonRevision(v1, 1));
      f.addRevision(newDaemonRevision(v2, 2));
      // kubectl patched the template back to v1's.
      f.addDs(v1, { revision: false });
      f.addNodes(newNode('n1'));
      f.daemonPod(v2, 'n1', { hash: h2 });
      await f.controller.reconcile('default/agent');
      expect(f.client.actions().filter((a) => !(a.resource === 'daemonsets')).map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
        `update controllerrevisions agent-${h1}`,
        `delete pods agent-n1-${h2}`,
      ]);
      expect(f.storedRevisions().map((cr) => [cr.metadata.name, cr.revision])).toEqual([
        [`agent-${h1}`, 3],
        [`agent-${h2}`, 2],
      ]);
    });

    it('of two revisions holding the current template keeps the higher, moves its pods onto it and deletes the other', async () => {
      const f = fixture();
      const ds = newDs();
      f.addDs(ds, { revision: 2 });
      const dup = newDaemonRevision(ds, 1);
      dup.metadata.name = 'agent-dup';
      dup.metadata.labels!['controller-revision-hash'] = 'dup';
      f.addRevision(dup);
      f.addNodes(newNode('n1'));
      f.daemonPod(ds, 'n1', { hash: 'dup' });
      await f.controller.reconcile('default/agent');
      const hash = computePodTemplateHash(ds.spec.template);
      expect(f.client.actions().filter((a) => a.resource !== 'daemonsets').slice(0, 2)).toEqual([
        { verb: 'patch', resource: 'pods', namespace: 'default', name: 'agent-n1-dup' },
        { verb: 'delete', resource: 'controllerrevisions', namespace: 'default', name: 'agent-dup' },
      ]);
      expect(f.client.pods.objects.get('default/agent-n1-dup')!.metadata.labels?.['controller-revision-hash']).toBe(hash);
      expect(f.storedRevisions().map((cr) => cr.metadata.name)).toEqual([`agent-${hash}`]);
    });

    it('keeps revisionHistoryLimit old revisions, oldest deleted first, never one a pod still carries', async () => {
      const f = fixture();
      const old = ['a', 'b', 'c'].map((tag, i) => f.addRevision(newDaemonRevision(withImage(`busybox:${tag}`), i + 1)));
      const ds = withImage('busybox:1.36', { revisionHistoryLimit: 1 });
      f.addDs(ds, { revision: 4 });
      f.addNodes(newNode('n1'));
      f.daemonPod(ds, 'n1', { hash: old[0]!.metadata.labels!['controller-revision-hash'] });
      await f.controller.reconcile('default/agent');
      expect(f.client.actions().filter((a) => a.resource === 'controllerrevisions')).toEqual([
        { verb: 'delete', resource: 'controllerrevisions', namespace: 'default', name: old[1]!.metadata.name },
        { verb: 'delete', resource: 'controllerrevisions', namespace: 'default', name: old[2]!.metadata.name },
      ]);
    });

    it('a revision name taken by another template is a hash collision: status.collisionCount goes up and the sync is retried', async () => {
      const f = fixture();
      const ds = newDs();
      f.addDs(ds, { revision: false });
      const squatter = newDaemonRevision(withImage('busybox:other'), 1);
      revisionStore(f.client).objects.set(`default/agent-${computePodTemplateHash(ds.spec.template)}`, { ...squatter, metadata: { ...squatter.metadata, name: `agent-${computePodTemplateHash(ds.spec.template)}` } });
      revisionStore(f.client).failNext('create', errors.alreadyExists('controllerrevisions', 'apps', `agent-${computePodTemplateHash(ds.spec.template)}`));
      await expect(f.controller.reconcile('default/agent')).rejects.toThrow(/already exists/);
      expect(f.status().collisionCount).toBe(1);
      // With the new count the name moves: the next sync creates the revision under it.
      const bumped = structuredClone(f.client.daemonsets.objects.get('default/agent')!);
      f.informers.daemonsets.indexer.update(bumped);
      f.client.clearActions();
      await f.controller.reconcile('default/agent');
      expect(f.client.actions()[0]).toEqual({ verb: 'create', resource: 'controllerrevisions', namespace: 'default', name: `agent-${computePodTemplateHash(ds.spec.template, 1)}` });
    });
  });
});
