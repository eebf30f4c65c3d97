import { describe, expect, it } from 'vitest';
import { FakeClock, FakeEventRecorder as FakeRecorder, isTerminalError } from '@skiff/controller-kit';
import { newControllerRef, type Deployment, type ReplicaSet } from '@skiff/api';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { newDeployment, T0 } from '../../testing/fixtures.js';
import { DeploymentController } from './deployment-controller.js';
import { DESIRED_REPLICAS_ANNOTATION, REVISION_ANNOTATION } from './deployment-util.js';
import { POD_TEMPLATE_HASH_LABEL, computePodTemplateHash } from './pod-template-hash.js';
import { oldReplicaSetTargets } from './rolling-plan.js';

function fixture(d: Deployment, rss: ReplicaSet[] = []) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeRecorder();
  const controller = new DeploymentController({ informers, client, recorder, clock: new FakeClock(T0) });
  informers.deployments.indexer.add(d);
  client.deployments.objects.set('default/' + d.metadata.name, structuredClone(d));
  for (const rs of rss) {
    informers.replicasets.indexer.add(rs);
    client.replicasets.objects.set('default/' + rs.metadata.name, structuredClone(rs));
  }
  return { informers, client, recorder, controller };
}

/** rsFor builds the ReplicaSet a deployment would own for `image`, at `replicas` with `available` ready pods. */
function rsFor(d: Deployment, image: string, replicas: number, available: number, revision: number, ageMs: number): ReplicaSet {
  const template = structuredClone(d.spec.template);
  template.spec.containers[0]!.image = image;
  const hash = computePodTemplateHash(template);
  template.metadata = { labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: 'default',
      uid: `uid-rs-${image}`,
      resourceVersion: '5',
      creationTimestamp: new Date(T0 - ageMs).toISOString(),
      labels: template.metadata.labels,
      annotations: { [REVISION_ANNOTATION]: String(revision), [DESIRED_REPLICAS_ANNOTATION]: String(d.spec.replicas) },
      ownerReferences: [newControllerRef(d)],
    },
    spec: { replicas, selector: { matchLabels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash } }, template },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

describe('DeploymentController', () => {
  it('fails an invalid selector or maxSurge terminally: no retry can fix them', async () => {
    const bad = newDeployment('web', 2);
    bad.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Near' as 'In', values: ['web'] }] };
    const f = fixture(bad);
    const err = await f.controller.reconcile('default/web').then(() => undefined, (e: unknown) => e);
    expect(isTerminalError(err)).toBe(true);
    expect((err as Error).message).toContain('deployment default/web has an invalid spec.selector');

    const surge = newDeployment('web', 2);
    surge.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots' } };
    const g = fixture(surge);
    const err2 = await g.controller.reconcile('default/web').then(() => undefined, (e: unknown) => e);
    expect(isTerminalError(err2)).toBe(true);
    expect((err2 as Error).message).toContain('invalid value for IntOrString: "lots"');
  });

  it('creates a ReplicaSet named after the pod-template-hash, revision 1, and records the revision', async () => {
    const d = newDeployment('web', 4);
    const f = fixture(d);
    await f.controller.reconcile('default/web');
    const hash = computePodTemplateHash(d.spec.template);
    expect(f.client.actions()).toEqual([
      { verb: 'create', resource: 'replicasets', namespace: 'default', name: `web-${hash}` },
      { verb: 'update', resource: 'deployments', namespace: 'default', name: 'web' },
      { verb: 'update', resource: 'deployments', namespace: 'default', name: 'web', subresource: 'status' },
    ]);
    const rs = f.client.replicasets.objects.get(`default/web-${hash}`)!;
    expect(rs.spec.replicas).toBe(4);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs.spec.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]).toBe(hash);
    expect(rs.metadata.annotations).toMatchObject({ [REVISION_ANNOTATION]: '1', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' });
    expect(f.client.deployments.objects.get('default/web')!.metadata.annotations?.[REVISION_ANNOTATION]).toBe('1');
    expect(f.recorder.events).toContain(`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 4`);
  });

  it('rolling update: a new template surges the new ReplicaSet by maxSurge only', async () => {
    const d = newDeployment('web', 4, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    d.spec.template.spec.containers[0]!.image = 'nginx:2';
    const old = rsFor(d, 'nginx:1', 4, 4, 1, 60_000);
    const f = fixture(d, [old]);
    await f.controller.reconcile('default/web');
    const created = [...f.client.replicasets.objects.values()].find((rs) => rs.metadata.name !== old.metadata.name)!;
    expect(created.spec.replicas).toBe(1);
    expect(created.metadata.annotations?.[REVISION_ANNOTATION]).toBe('2');
    expect(f.client.replicasets.objects.get(`default/${old.metadata.name}`)!.spec.replicas).toBe(4);
  });

  it('rolling update: old ReplicaSets shrink only as far as maxUnavailable allows', () => {
    const d = newDeployment('web', 4, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
    const old = rsFor(d, 'nginx:1', 4, 4, 1, 60_000);
    const fresh = rsFor(d, 'nginx:2', 1, 0, 2, 1000);
    // 5 pods, 4 available, need 3: one old pod may go.
    expect([...oldReplicaSetTargets(d, fresh, [old]).values()]).toEqual([3]);
    // the new pod became available: still keep 3 available, so two old pods may go.
    fresh.status = { replicas: 1, availableReplicas: 1 };
    expect([...oldReplicaSetTargets(d, fresh, [old]).values()]).toEqual([2]);
  });

  it('rolling update: pods above an old ReplicaSet\'s spec do not count as available while its status lags', () => {
    const d = newDeployment('web', 6, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } });
    // The old set was just scaled 6 -> 5 but its status still reports 6 available; one new pod is ready.
    const old = rsFor(d, 'nginx:1', 5, 6, 1, 60_000);
    const fresh = rsFor(d, 'nginx:2', 2, 1, 2, 1000);
    // Really available: 5 old + 1 new = 6; keeping 5 allows one more old pod to go, not two.
    expect([...oldReplicaSetTargets(d, fresh, [old]).values()]).toEqual([4]);
  });

  it('recreate: scales old ReplicaSets to zero before creating the new one', async () => {
    const d = newDeployment('web', 3, { type: 'Recreate' });
    d.spec.template.spec.containers[0]!.image = 'nginx:2';
    const old = rsFor(d, 'nginx:1', 3, 3, 1, 60_000);
    const f = fixture(d, [old]);
    await f.controller.reconcile('default/web');
    expect(f.client.actions().map((a) => `${a.verb} ${a.resource}${a.subresource ? '/status' : ''}`)).toEqual(['update replicasets', 'update deployments/status']);
    expect(f.client.replicasets.objects.get(`default/${old.metadata.name}`)!.spec.replicas).toBe(0);
  });

  it('rollback to an older template reuses its ReplicaSet with a new revision', async () => {
    const d = newDeployment('web', 2, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const v1 = rsFor(d, 'nginx:1', 0, 0, 1, 120_000);
    const v2 = rsFor(d, 'nginx:2', 2, 2, 2, 60_000);
    const f = fixture(d, [v1, v2]);
    await f.controller.reconcile('default/web');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);
    const reused = f.client.replicasets.objects.get(`default/${v1.metadata.name}`)!;
    expect(reused.metadata.annotations?.[REVISION_ANNOTATION]).toBe('3');
    expect(reused.spec.replicas).toBe(1);
  });

  it('reports a complete rollout the way kubectl rollout status expects', async () => {
    const d = newDeployment('web', 2);
    d.metadata.annotations = { [REVISION_ANNOTATION]: '1' };
    const rs = rsFor(d, 'nginx:1', 2, 2, 1, 60_000);
    const f = fixture(d, [rs]);
    await f.controller.reconcile('default/web');
    const status = f.client.deployments.objects.get('default/web')!.status!;
    expect(status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 0 });
    expect(status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`).sort()).toEqual(['Available=True/MinimumReplicasAvailable', 'Progressing=True/NewReplicaSetAvailable']);
  });

  it('scaling a finished deployment resizes its only ReplicaSet', async () => {
    const d = newDeployment('web', 5);
    d.metadata.annotations = { [REVISION_ANNOTATION]: '1' };
    const rs = rsFor(newDeployment('web', 2), 'nginx:1', 2, 2, 1, 60_000);
    const f = fixture(d, [rs]);
    await f.controller.reconcile('default/web');
    expect(f.client.replicasets.objects.get(`default/${rs.metadata.name}`)!.spec.replicas).toBe(5);
    expect(f.recorder.events).toContain(`Normal ScalingReplicaSet Scaled up replica set ${rs.metadata.name} from 2 to 5`);
  });

  it('a paused deployment does not roll out a new template', async () => {
    const d = newDeployment('web', 2);
    d.spec.paused = true;
    d.spec.template.spec.containers[0]!.image = 'nginx:2';
    const f = fixture(d, [rsFor(d, 'nginx:1', 2, 2, 1, 60_000)]);
    await f.controller.reconcile('default/web');
    expect(f.client.actions().filter((a) => a.resource === 'replicasets')).toEqual([]);
    expect(f.client.deployments.objects.get('default/web')!.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('DeploymentPaused');
  });

  it('cleans up old ReplicaSets beyond revisionHistoryLimit', async () => {
    const d = newDeployment('web', 1);
    d.spec.revisionHistoryLimit = 1;
    d.metadata.annotations = { [REVISION_ANNOTATION]: '3' };
    const f = fixture(d, [rsFor(d, 'nginx:a', 0, 0, 1, 300_000), rsFor(d, 'nginx:b', 0, 0, 2, 200_000), rsFor(d, 'nginx:1', 1, 1, 3, 100_000)]);
    await f.controller.reconcile('default/web');
    expect(f.client.actions().filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual([`web-${computePodTemplateHash({ ...d.spec.template, spec: { containers: [{ name: 'c', image: 'nginx:a' }] } })}`]);
  });
});
