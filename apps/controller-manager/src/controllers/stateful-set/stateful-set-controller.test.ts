import { describe, expect, it } from 'vitest';
import { errors, RESOURCES, type ControllerRevision, type Pod, type StatefulSet, type StatefulSetSpec } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { revisionsInformer } from '../../util/controller-history.js';
import { newStatefulPod, StatefulSetController } from './stateful-set-controller.js';
import { newStatefulSetRevision } from './stateful-set-revisions.js';

/** revisionStore is the RecordingClient's ControllerRevisions, typed. */
const revisionStore = (client: RecordingClient) =>
  client.resource(RESOURCES.controllerrevisions) as unknown as { objects: Map<string, ControllerRevision>; failNext(verb: 'create', err: unknown): void };

function newSts(spec: Partial<StatefulSetSpec> = {}, status?: StatefulSet['status']): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', resourceVersion: '1', generation: 1, creationTimestamp: iso(-60_000) },
    spec: {
      replicas: 3,
      serviceName: 'web',
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...spec,
    },
    status: status ?? { replicas: 0 },
  };
}

/** rev is the name of the revision holding `sts`'s template. */
const rev = (sts: StatefulSet, collisionCount = 0): string => newStatefulSetRevision(sts, 1, collisionCount).metadata.name!;

const withImage = (image: string, spec: Partial<StatefulSetSpec> = {}, status?: StatefulSet['status']): StatefulSet => {
  const sts = newSts(spec, status);
  sts.spec.template.spec.containers[0]!.image = image;
  return sts;
};

/**
 * fixture holds `sts` and its revisions: `revisions` lists the sets whose templates are revisions 1, 2, ...
 * (by default the set's own template is revision 1).
 */
function fixture(sts: StatefulSet, revisions: StatefulSet[] = [sts]) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const controller = new StatefulSetController({ informers, client, recorder, clock: new FakeClock(T0) });
  client.statefulsets.objects.set('default/web', structuredClone(sts));
  informers.statefulsets.indexer.add(sts);
  const store = revisionStore(client);
  revisions.forEach((owner, i) => {
    const cr = newStatefulSetRevision(owner, i + 1);
    cr.metadata = { ...cr.metadata, uid: `uid-${cr.metadata.name}`, resourceVersion: '1', creationTimestamp: iso(-60_000 + i) };
    store.objects.set(`default/${cr.metadata.name}`, structuredClone(cr));
    revisionsInformer(informers).indexer.add(cr);
  });
  const storedRevisions = () => [...store.objects.values()].map((cr) => [cr.metadata.name, cr.revision]);
  const revisionWrites = () => client.actions().filter((a) => a.resource === 'controllerrevisions').map((a) => `${a.verb} ${a.name}`);
  /** pod adds web-<ordinal> of `revision`, Running and Ready unless said otherwise. */
  const pod = (ordinal: number, opts: { revision?: string; ready?: boolean; phase?: 'Running' | 'Failed'; terminating?: boolean } = {}): Pod => {
    const p = newStatefulPod(sts, ordinal, opts.revision ?? rev(sts));
    p.metadata = { ...p.metadata, uid: `uid-web-${ordinal}`, resourceVersion: '1', creationTimestamp: iso(-10_000), ...(opts.terminating ? { deletionTimestamp: iso(30_000) } : {}) };
    p.spec.nodeName = 'node-1';
    p.status = { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(-5000) }] };
    informers.pods.indexer.add(p);
    client.pods.objects.set(`default/${p.metadata.name}`, structuredClone(p));
    return p;
  };
  const writes = () => client.actions().filter((a) => a.resource === 'pods').map((a) => `${a.verb} ${a.name}`);
  const status = () => client.statefulsets.objects.get('default/web')!.status!;
  return { informers, client, controller, pod, writes, status, storedRevisions, revisionWrites };
}

describe('StatefulSetController', () => {
  it('OrderedReady creates web-0 first, with hostname, subdomain and identity labels, and web-1 only once web-0 is Ready', async () => {
    const sts = newSts();
    const f = fixture(sts);
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['create web-0']);
    const p0 = f.client.pods.objects.get('default/web-0')!;
    expect(p0.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web' });
    expect(p0.metadata.labels).toEqual({ app: 'web', 'controller-revision-hash': rev(sts), 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });

    const g = fixture(sts);
    g.pod(0, { ready: false });
    await g.controller.reconcile('default/web');
    expect(g.writes()).toEqual([]);
    const h = fixture(sts);
    h.pod(0);
    await h.controller.reconcile('default/web');
    expect(h.writes()).toEqual(['create web-1']);
  });

  it('Parallel creates every missing pod at once and scales down all condemned pods together', async () => {
    const f = fixture(newSts({ podManagementPolicy: 'Parallel' }));
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['create web-0', 'create web-1', 'create web-2']);
    const g = fixture(newSts({ podManagementPolicy: 'Parallel', replicas: 1 }));
    for (const i of [0, 1, 2]) g.pod(i);
    await g.controller.reconcile('default/web');
    expect(g.writes()).toEqual(['delete web-2', 'delete web-1']);
  });

  it('OrderedReady scales down from the highest ordinal, one pod at a time', async () => {
    const f = fixture(newSts({ replicas: 1 }));
    for (const i of [0, 1, 2]) f.pod(i);
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['delete web-2']);
    const g = fixture(newSts({ replicas: 1 }));
    g.pod(0);
    g.pod(1);
    g.pod(2, { terminating: true });
    await g.controller.reconcile('default/web');
    expect(g.writes()).toEqual([]);
  });

  it('replaces a failed pod under the same name', async () => {
    const f = fixture(newSts());
    f.pod(0);
    f.pod(1, { phase: 'Failed', ready: false });
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['delete web-1']);
  });

  it('rolls an update from the highest ordinal down to the partition, one pod at a time, and reports the revisions', async () => {
    const old = withImage('busybox:old');
    const partitioned = { updateStrategy: { type: 'RollingUpdate' as const, rollingUpdate: { partition: 1 } } };
    const sts = newSts(partitioned, { replicas: 3, currentRevision: rev(old), updateRevision: rev(old) });
    const f = fixture(sts, [old]);
    for (const i of [0, 1, 2]) f.pod(i, { revision: rev(old) });
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['delete web-2']);
    expect(f.status()).toMatchObject({ currentRevision: rev(old), updateRevision: rev(sts), currentReplicas: 3, updatedReplicas: 0 });

    // web-2 updated and Ready: web-1 is next; web-0 is below the partition and stays.
    const g = fixture(sts, [old, sts]);
    g.pod(0, { revision: rev(old) });
    g.pod(1, { revision: rev(old) });
    g.pod(2);
    await g.controller.reconcile('default/web');
    expect(g.writes()).toEqual(['delete web-1']);
    const h = fixture(sts, [old, sts]);
    h.pod(0, { revision: rev(old) });
    h.pod(1);
    h.pod(2);
    await h.controller.reconcile('default/web');
    expect(h.writes()).toEqual([]);
    expect(h.status()).toMatchObject({ currentRevision: rev(old), updatedReplicas: 2, currentReplicas: 1 });
  });

  it("re-creates a pod below the partition from the current revision's template, not the new one", async () => {
    const old = withImage('busybox:old');
    old.spec.template.metadata!.annotations = { note: 'old' };
    const sts = newSts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, { replicas: 3, currentRevision: rev(old), updateRevision: rev(old) });
    const f = fixture(sts, [old, sts]);
    f.pod(2);
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['create web-0']);
    const p0 = f.client.pods.objects.get('default/web-0')!;
    expect(p0.spec.containers[0]!.image).toBe('busybox:old');
    expect(p0.metadata.annotations).toEqual({ note: 'old' });
    expect(p0.metadata.labels?.['controller-revision-hash']).toBe(rev(old));
    expect(p0.spec.hostname).toBe('web-0');
  });

  describe('ControllerRevisions', () => {
    it('snapshots a new set as revision 1, names the pods after it and reports it as current and update revision', async () => {
      const sts = newSts();
      sts.metadata.annotations = { 'kubernetes.io/change-cause': 'first' };
      const f = fixture(sts, []);
      await f.controller.reconcile('default/web');
      expect(f.revisionWrites()).toEqual([`create ${rev(sts)}`]);
      const cr = revisionStore(f.client).objects.get(`default/${rev(sts)}`)!;
      expect(cr).toMatchObject({
        metadata: {
          labels: { app: 'web', 'controller-revision-hash': rev(sts).slice('web-'.length) },
          annotations: { 'kubernetes.io/change-cause': 'first' },
          ownerReferences: [{ kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true }],
        },
        revision: 1,
        data: { spec: { template: { ...sts.spec.template, $patch: 'replace' } } },
      });
      expect(f.client.pods.objects.get('default/web-0')!.metadata.labels?.['controller-revision-hash']).toBe(rev(sts));
      expect(f.status()).toMatchObject({ currentRevision: rev(sts), updateRevision: rev(sts), collisionCount: 0 });
    });

    it('a new image is revision 2 and the pods of revision 1 roll, highest ordinal first', async () => {
      const v1 = withImage('busybox:1.36');
      const v2 = withImage('busybox:latest', {}, { replicas: 3, currentRevision: rev(v1), updateRevision: rev(v1) });
      const f = fixture(v2, [v1]);
      for (const i of [0, 1, 2]) f.pod(i, { revision: rev(v1) });
      await f.controller.reconcile('default/web');
      expect(f.revisionWrites()).toEqual([`create ${rev(v2)}`]);
      expect(f.storedRevisions()).toEqual([[rev(v1), 1], [rev(v2), 2]]);
      expect(f.writes()).toEqual(['delete web-2']);
      expect(f.status()).toMatchObject({ currentRevision: rev(v1), updateRevision: rev(v2) });
    });

    it('after `rollout undo` the matching old revision is renumbered newest and becomes the update revision', async () => {
      const v1 = withImage('busybox:1.36');
      const v2 = withImage('busybox:latest');
      // kubectl patched the template back to v1's while v2 was current.
      const sts = withImage('busybox:1.36', {}, { replicas: 3, currentRevision: rev(v2), updateRevision: rev(v2) });
      const f = fixture(sts, [v1, v2]);
      for (const i of [0, 1, 2]) f.pod(i, { revision: rev(v2) });
      await f.controller.reconcile('default/web');
      expect(f.revisionWrites()).toEqual([`update ${rev(v1)}`]);
      expect(f.storedRevisions()).toEqual([[rev(v1), 3], [rev(v2), 2]]);
      expect(f.writes()).toEqual(['delete web-2']);
      expect(f.status()).toMatchObject({ currentRevision: rev(v2), updateRevision: rev(v1), updatedReplicas: 0 });
    });

    it('keeps revisionHistoryLimit revisions besides the current, the update and those pods carry, deleting the oldest', async () => {
      const old = ['a', 'b', 'c'].map((tag) => withImage(`busybox:${tag}`));
      const sts = withImage('busybox:1.36', { revisionHistoryLimit: 1, replicas: 1 });
      sts.status = { replicas: 1, currentRevision: rev(sts), updateRevision: rev(sts) };
      const f = fixture(sts, [...old, sts]);
      f.pod(0, { revision: rev(old[0]!) });
      await f.controller.reconcile('default/web');
      expect(f.revisionWrites()).toEqual([`delete ${rev(old[1]!)}`]);
    });

    it('adopts orphaned revisions its selector matches (a set re-created after --cascade=orphan) instead of snapshotting again', async () => {
      const sts = newSts();
      const f = fixture(sts, []);
      const orphan = (cr: ControllerRevision, name: string): ControllerRevision => ({ ...cr, metadata: { ...cr.metadata, name, uid: `uid-${name}`, resourceVersion: '1', ownerReferences: undefined } });
      const mine = orphan(newStatefulSetRevision(sts, 1), rev(sts));
      const other = orphan(newStatefulSetRevision(withImage('busybox:other'), 2), 'other');
      other.metadata.labels = { app: 'db' };
      for (const cr of [mine, other]) {
        revisionStore(f.client).objects.set(`default/${cr.metadata.name}`, structuredClone(cr));
        revisionsInformer(f.informers).indexer.add(cr);
      }
      await f.controller.reconcile('default/web');
      expect(f.revisionWrites()).toEqual([`patch ${rev(sts)}`]);
      expect(revisionStore(f.client).objects.get(`default/${rev(sts)}`)!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', uid: 'uid-web', controller: true })]);
      expect(f.status()).toMatchObject({ currentRevision: rev(sts), updateRevision: rev(sts) });
    });

    it('with OnDelete, a deleted pod comes back at the update revision', async () => {
      const v1 = withImage('busybox:1.36');
      const v2 = withImage('busybox:latest', { updateStrategy: { type: 'OnDelete' }, podManagementPolicy: 'Parallel' });
      v2.status = { replicas: 2, currentRevision: rev(v1), updateRevision: rev(v2) };
      const f = fixture(v2, [v1, v2]);
      f.pod(0, { revision: rev(v1) });
      f.pod(2, { revision: rev(v1) });
      await f.controller.reconcile('default/web');
      expect(f.writes()).toEqual(['create web-1']);
      const p1 = f.client.pods.objects.get('default/web-1')!;
      expect([p1.spec.containers[0]!.image, p1.metadata.labels?.['controller-revision-hash']]).toEqual(['busybox:latest', rev(v2)]);
    });

    it('a revision name taken by other data bumps the collision count and hashes the name again', async () => {
      const sts = newSts();
      const f = fixture(sts, []);
      const store = revisionStore(f.client);
      const squatter = newStatefulSetRevision(withImage('busybox:other'), 1);
      squatter.metadata.name = rev(sts);
      store.objects.set(`default/${rev(sts)}`, squatter);
      store.failNext('create', errors.alreadyExists('controllerrevisions', 'apps', rev(sts)));
      await f.controller.reconcile('default/web');
      expect(f.revisionWrites()).toEqual([`create ${rev(sts)}`, `get ${rev(sts)}`, `create ${rev(sts, 1)}`]);
      expect(f.status()).toMatchObject({ collisionCount: 1, updateRevision: rev(sts, 1) });
    });
  });
});
