import { describe, expect, it } from 'vitest';
import type { Pod, StatefulSet, StatefulSetSpec } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { computePodTemplateHash } from '../deployment/pod-template-hash.js';
import { newStatefulPod, StatefulSetController } from './stateful-set-controller.js';

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

const rev = (sts: StatefulSet): string => `web-${computePodTemplateHash(sts.spec.template)}`;

function fixture(sts: StatefulSet) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const controller = new StatefulSetController({ informers, client, recorder, clock: new FakeClock(T0) });
  client.statefulsets.objects.set('default/web', structuredClone(sts));
  informers.statefulsets.indexer.add(sts);
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
  return { informers, client, controller, pod, writes, status };
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
    const sts = newSts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }, { replicas: 3, currentRevision: 'web-old', updateRevision: 'web-old' });
    const f = fixture(sts);
    for (const i of [0, 1, 2]) f.pod(i, { revision: 'web-old' });
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['delete web-2']);
    expect(f.status()).toMatchObject({ currentRevision: 'web-old', updateRevision: rev(sts), currentReplicas: 3, updatedReplicas: 0 });

    // web-2 updated and Ready: web-1 is next; web-0 is below the partition and stays.
    const g = fixture(sts);
    g.pod(0, { revision: 'web-old' });
    g.pod(1, { revision: 'web-old' });
    g.pod(2);
    await g.controller.reconcile('default/web');
    expect(g.writes()).toEqual(['delete web-1']);
    const h = fixture(sts);
    h.pod(0, { revision: 'web-old' });
    h.pod(1);
    h.pod(2);
    await h.controller.reconcile('default/web');
    expect(h.writes()).toEqual([]);
    expect(h.status()).toMatchObject({ currentRevision: 'web-old', updatedReplicas: 2, currentReplicas: 1 });
  });

  it('re-creates a pod below the partition from a sibling of the current revision, not the new template', async () => {
    const sts = newSts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, { replicas: 3, currentRevision: 'web-old', updateRevision: 'web-old' });
    const f = fixture(sts);
    const old = f.pod(1, { revision: 'web-old' });
    old.spec.containers[0]!.image = 'busybox:old';
    f.informers.pods.indexer.update(old);
    f.pod(2);
    await f.controller.reconcile('default/web');
    expect(f.writes()).toEqual(['create web-0']);
    const p0 = f.client.pods.objects.get('default/web-0')!;
    expect(p0.spec.containers[0]!.image).toBe('busybox:old');
    expect(p0.spec.nodeName).toBeUndefined();
    expect(p0.metadata.labels?.['controller-revision-hash']).toBe('web-old');
    expect(p0.spec.hostname).toBe('web-0');
  });
});
