import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type Clientset } from '@skiff/client';
import { isNotFound, RESOURCE_LIST, RESOURCES, type Deployment, type Job, type Pod } from '@skiff/api';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { runControllerManager } from './controller-manager.js';
import type { ControllerName } from './options.js';
import { recordPods, waitFor } from '@skiff/testing';

let server: RunningServer;
let client: Clientset;
let stopAgent: () => void;

beforeEach(async () => {
  server = await startServer();
  client = createClient({ server: server.url });
  stopAgent = simulateNodeAgent();
});

afterEach(async () => {
  stopAgent();
  await client.close();
  await server.close();
});

function start(controllers: ControllerName[] = ['replicaset', 'deployment', 'garbagecollector']): { stop: () => Promise<void> } {
  const ac = new AbortController();
  const done = runControllerManager({ client, options: { controllers, concurrentReplicaSetSyncs: 5, concurrentDeploymentSyncs: 5 } }, ac.signal);
  return {
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

/**
 * simulateNodeAgent stands in for the scheduler and node agent: binds pending pods, makes them Ready, finishes
 * deletions. It passes over all pods again whenever its pod watch reports a change (level-triggered: a change that
 * comes during a pass marks one more pass), so it keeps up at the pace of the cluster instead of a polling period.
 */
function simulateNodeAgent(): () => void {
  let stopped = false;
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  let watch: { stop(): void } | undefined;
  const pass = async (pods: Pod[]): Promise<void> => {
    for (const p of pods) {
      const name = p.metadata.name!;
      if (p.metadata.deletionTimestamp) {
        await client.pods.delete(name, { namespace: 'default', gracePeriodSeconds: 0 }).catch(() => {});
      } else if (!p.spec.nodeName) {
        await client.pods.bind(name, 'node-1', { namespace: 'default' }).catch(() => {});
      } else if (p.status?.phase !== 'Running') {
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const next: Pod = { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } };
        await client.pods.updateStatus(next).catch(() => {});
      }
    }
  };
  const loop = async (): Promise<void> => {
    while (!stopped) {
      if (!dirty) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      dirty = false;
      try {
        const list = await client.pods.list({ namespace: 'default' });
        watch ??= client.pods.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion!, relistOnExpired: true }, { onEvent: poke, onError: poke });
        await pass(list.items);
      } catch {
        if (!stopped) dirty = true; // the next pass retries: nothing else would wake it
      }
    }
  };
  void loop();
  return () => {
    stopped = true;
    watch?.stop();
    wake?.();
  };
}

function deployment(replicas: number, image: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    },
  };
}

/** rolledOut is kubectl rollout status's test: observed, all updated, nothing old, all available. */
async function rolledOut(replicas: number): Promise<Deployment | undefined> {
  const d = await client.deployments.get('web', { namespace: 'default' });
  const s = d.status ?? {};
  const ok = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
  return ok ? d : undefined;
}

async function livePods(): Promise<Pod[]> {
  return (await client.pods.list({ namespace: 'default' })).items.filter((p) => !p.metadata.deletionTimestamp);
}

describe('controller-manager against a live api-server', () => {
  it('rolls a Deployment out, scales it, rolls a new template within surge and unavailability, and cascades deletion', async () => {
    const cm = start();
    try {
      await client.deployments.create(deployment(4, 'nginx:1'));
      await waitFor(() => rolledOut(4), { what: 'first rollout', timeoutMs: 15_000 });
      const rs = (await client.replicasets.list({ namespace: 'default' })).items;
      expect(rs).toHaveLength(1);
      expect(rs[0]!.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
      expect((await livePods()).every((p) => p.metadata.name!.startsWith(`${rs[0]!.metadata.name}-`))).toBe(true);

      await client.deployments.patchScale('web', 6, { namespace: 'default' });
      await waitFor(() => rolledOut(6), { what: 'scale up', timeoutMs: 15_000 });
      await client.deployments.patchScale('web', 3, { namespace: 'default' });
      await waitFor(() => rolledOut(3), { what: 'scale down', timeoutMs: 15_000 });
      await waitFor(async () => (await livePods()).length === 3, { what: '3 pods', timeoutMs: 15_000 });

      // Every committed pod state, from a watch: a surge that lasts one revision cannot slip between samples.
      const recording = await recordPods(client.pods, { namespace: 'default' });
      await client.deployments.patch('web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }, { namespace: 'default' });
      const done = await waitFor(async () => {
        const d = await rolledOut(3);
        return d && d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' ? d : undefined;
      }, { what: 'rolling update', timeoutMs: 15_000 });
      const { maxLive: maxPods, minReady } = await recording.stop();
      expect(done.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
      expect(maxPods).toBeLessThanOrEqual(3 + 1);
      expect(minReady).toBeGreaterThanOrEqual(3 - 1);
      const sets = (await client.replicasets.list({ namespace: 'default' })).items;
      expect(sets.map((r) => r.spec.replicas).sort()).toEqual([0, 3]);

      await client.deployments.delete('web', { namespace: 'default', propagationPolicy: 'Background' });
      await waitFor(async () => (await client.replicasets.list({ namespace: 'default' })).items.length === 0 && (await livePods()).length === 0, { what: 'cascade', timeoutMs: 15_000 });
    } finally {
      await cm.stop();
    }
  }, 60_000);

  it('a controller-manager restarted mid-rollout converges without extra pods', async () => {
    let cm = start(['replicaset', 'deployment']);
    await client.deployments.create(deployment(5, 'nginx:1'));
    await waitFor(() => rolledOut(5), { what: 'first rollout', timeoutMs: 15_000 });
    await client.deployments.patch('web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }, { namespace: 'default' });
    await waitFor(async () => (await client.replicasets.list({ namespace: 'default' })).items.length === 2, { what: 'rollout under way', timeoutMs: 15_000 });
    const recording = await recordPods(client.pods, { namespace: 'default' });
    await cm.stop();
    cm = start(['replicaset', 'deployment']);
    try {
      await waitFor(() => rolledOut(5), { what: 'rollout finished after restart', timeoutMs: 15_000 });
      // No pod may come after that either. Positive signal that the ReplicaSet controller is done with every sync
      // it had queued: a spec change of each ReplicaSet (a new generation) that it acknowledges in
      // status.observedGeneration, which it does only after the syncs of that key before it.
      const sets = (await client.replicasets.list({ namespace: 'default' })).items;
      for (const rs of sets) await client.replicasets.patch(rs.metadata.name!, { spec: { minReadySeconds: 1 } }, { namespace: 'default' });
      await waitFor(async () => (await client.replicasets.list({ namespace: 'default' })).items.every((rs) => rs.spec.minReadySeconds === 1 && rs.status?.observedGeneration === rs.metadata.generation), { what: 'the ReplicaSet controller to observe the new generations', timeoutMs: 15_000 });
      const { maxLive: maxPods } = await recording.stop();
      expect(maxPods).toBeLessThanOrEqual(6);
      expect(await livePods()).toHaveLength(5);
    } finally {
      await cm.stop();
    }
  }, 60_000);
});

describe('serviceaccount controller', () => {
  it('gives every namespace a default ServiceAccount, and makes it again when deleted', async () => {
    const cm = start(['serviceaccount']);
    try {
      await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
      for (const namespace of ['default', 'kube-system', 'team-a']) {
        await waitFor(() => client.serviceaccounts.get('default', { namespace }).catch(() => undefined), { timeoutMs: 10_000, what: `default in ${namespace}` });
      }
      const first = await client.serviceaccounts.get('default', { namespace: 'team-a' });
      await client.serviceaccounts.delete('default', { namespace: 'team-a' });
      const again = await waitFor(
        async () => {
          const sa = await client.serviceaccounts.get('default', { namespace: 'team-a' }).catch(() => undefined);
          return sa && sa.metadata.uid !== first.metadata.uid ? sa : undefined;
        },
        { timeoutMs: 10_000, what: 'default made again' },
      );
      expect(again.metadata.name).toBe('default');
    } finally {
      await cm.stop();
    }
  });
});

describe('root-ca-cert-publisher and tokencleaner', () => {
  it('puts kube-root-ca.crt with the CA in every namespace and puts it back when edited or deleted', async () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const ac = new AbortController();
    const done = runControllerManager({ client, rootCA: ca, options: { controllers: ['root-ca-cert-publisher'], concurrentReplicaSetSyncs: 1, concurrentDeploymentSyncs: 1 } }, ac.signal);
    try {
      await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
      const caOf = (namespace: string) => client.configmaps.get('kube-root-ca.crt', { namespace }).then((cm) => cm.data?.['ca.crt'], () => undefined);
      for (const namespace of ['default', 'kube-system', 'team-b']) await waitFor(async () => (await caOf(namespace)) === ca, { timeoutMs: 10_000, what: `kube-root-ca.crt in ${namespace}` });
      const cm = await client.configmaps.get('kube-root-ca.crt', { namespace: 'team-b' });
      expect(cm.metadata.annotations?.['kubernetes.io/description']).toContain('verify the kube-apiserver');
      await client.configmaps.update({ ...cm, data: { 'ca.crt': 'forged', extra: 'x' } });
      await waitFor(async () => (await client.configmaps.get('kube-root-ca.crt', { namespace: 'team-b' })).data?.['extra'] === undefined && (await caOf('team-b')) === ca, { timeoutMs: 10_000, what: 'the edit undone' });
      await client.configmaps.delete('kube-root-ca.crt', { namespace: 'team-b' });
      await waitFor(async () => (await caOf('team-b')) === ca, { timeoutMs: 10_000, what: 'kube-root-ca.crt made again' });
    } finally {
      ac.abort();
      await done;
    }
  });

  it('deletes bootstrap token Secrets once they expire, and leaves the others', async () => {
    const cm = start(['tokencleaner']);
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    const token = (id: string, expiration?: string) =>
      client.secrets.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
        type: 'bootstrap.kubernetes.io/token',
        data: { 'token-id': b64(id), 'token-secret': b64('0123456789abcdef'), ...(expiration ? { expiration: b64(expiration) } : {}) },
      });
    try {
      await token('past00', '2020-01-01T00:00:00Z');
      await token('soon00', new Date(Date.now() + 1500).toISOString());
      await token('never0');
      await token('later0', '2999-01-01T00:00:00Z');
      const names = async () => (await client.secrets.list({ namespace: 'kube-system' })).items.map((s) => s.metadata.name).sort();
      await waitFor(async () => !(await names()).includes('bootstrap-token-soon00'), { timeoutMs: 10_000, what: 'the expiring token deleted' });
      expect(await names()).toEqual(['bootstrap-token-later0', 'bootstrap-token-never0']);
    } finally {
      await cm.stop();
    }
  });
});

describe('namespace controller and garbage collector over every kind', () => {
  it('deletes a namespace with all its content: config, secrets, accounts, events, leases, jobs, deployments, pods', async () => {
    const cm = start(['namespace', 'garbagecollector', 'deployment', 'replicaset', 'job', 'serviceaccount']);
    try {
      const namespace = 'doomed';
      const metadata = (name: string): { name: string; namespace: string } => ({ name, namespace });
      await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('cm'), data: { k: 'v' } });
      await client.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: metadata('s'), stringData: { k: 'v' } });
      await client.serviceaccounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata('robot') });
      await client.events.create({ apiVersion: 'v1', kind: 'Event', metadata: metadata('e'), involvedObject: { kind: 'ConfigMap', name: 'cm', namespace }, reason: 'Test', message: 'm', type: 'Normal' });
      await client.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: metadata('l'), spec: { holderIdentity: 'x' } });
      await client.resource<Job>(RESOURCES.jobs).create({
        apiVersion: 'batch/v1', kind: 'Job', metadata: metadata('j'),
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      });
      await client.deployments.create({ ...deployment(2, 'nginx:1'), metadata: metadata('web') });
      // Pods of the Deployment and the Job: the content is made by controllers, not only by the test.
      await waitFor(async () => (await client.pods.list({ namespace })).items.length >= 3, { what: 'pods of the deployment and job', timeoutMs: 15_000 });

      await client.namespaces.delete(namespace);
      await waitFor(() => client.namespaces.get(namespace).then(() => false, (err: unknown) => isNotFound(err)), { what: 'namespace gone', timeoutMs: 20_000 });
      for (const info of RESOURCE_LIST.filter((i) => i.namespaced)) {
        expect((await client.resource(info).list({ namespace })).items.map((o) => `${info.plural}/${o.metadata.name}`)).toEqual([]);
      }
    } finally {
      await cm.stop();
    }
  }, 60_000);

  it('collects a ConfigMap whose owner ConfigMap is deleted', async () => {
    const cm = start(['garbagecollector']);
    try {
      const owner = await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'default' } });
      await client.configmaps.create({
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name: 'dependent', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] },
      });
      await client.configmaps.delete('owner', { namespace: 'default' });
      await waitFor(() => client.configmaps.get('dependent', { namespace: 'default' }).then(() => false, (err: unknown) => isNotFound(err)), { what: 'dependent collected', timeoutMs: 15_000 });
    } finally {
      await cm.stop();
    }
  });
});
