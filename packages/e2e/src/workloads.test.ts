/**
 * Issue 5's scenarios over live processes: api-server, scheduler, controller-manager and three
 * `--runtime simulated` node agents, with short failure timings (grace 4 s, tolerations 2 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Pod } from '@skiff/api';
import { Cluster } from './cluster.js';
import { recordPods, waitFor } from '@skiff/testing';

const NS = 'default';
const cluster = new Cluster();
const AGENTS = ['agent-0', 'agent-1', 'agent-2'];

function startAgent(name: string): void {
  cluster.start(name, 'node-agent', [
    '--node-name', name,
    '--runtime', 'simulated',
    '--simulated-start-delay', '200ms',
    '--listen', '127.0.0.1:0',
    '--node-lease-duration-seconds', '4',
    '--node-status-update-frequency', '1s',
  ]);
}

function startControllerManager(): void {
  cluster.start('controller-manager', 'controller-manager', [
    '--leader-elect=false',
    '--listen', '127.0.0.1:0',
    '--node-monitor-period', '500ms',
    '--node-monitor-grace-period', '4s',
    '--node-eviction-rate', '100',
  ]);
}

beforeAll(async () => {
  await cluster.startApiServer(['--default-not-ready-toleration-seconds', '2', '--default-unreachable-toleration-seconds', '2']);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  startControllerManager();
  for (const a of AGENTS) startAgent(a);
  await waitFor(async () => {
    const nodes = await cluster.client.nodes.list();
    return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 3;
  }, { what: 'three Ready nodes', timeoutMs: 30_000 });
}, 60_000);
afterAll(() => cluster.stop(), 30_000);

function deployment(name: string, replicas: number, image = 'busybox:1.36'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
    },
  };
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const live = (p: Pod) => !p.metadata.deletionTimestamp;

async function podsOf(app: string): Promise<Pod[]> {
  return (await cluster.client.pods.list({ namespace: NS, labelSelector: `app=${app}` })).items;
}

async function runningReady(app: string, n: number, timeoutMs = 30_000, where: { what: string; ok: (p: Pod) => boolean } = { what: '', ok: () => true }): Promise<Pod[]> {
  let pods: Pod[] = [];
  await waitFor(async () => {
    pods = (await podsOf(app)).filter(live);
    return pods.length === n && pods.every((p) => p.status?.phase === 'Running' && isReady(p) && where.ok(p));
  }, { what: `${n} Running and Ready pods of ${app}${where.what}`, timeoutMs: timeoutMs });
  return pods;
}

function perNode(pods: Pod[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of pods) counts[p.spec.nodeName ?? ''] = (counts[p.spec.nodeName ?? ''] ?? 0) + 1;
  return counts;
}

describe('Deployments on live processes', () => {
  it('brings 6 replicas up spread over the three nodes', async () => {
    await cluster.client.deployments.create(deployment('web', 6));
    const pods = await runningReady('web', 6);
    expect(Object.values(perNode(pods)).sort()).toEqual([2, 2, 2]);
  });

  it('scales up and down', async () => {
    await cluster.client.deployments.patchScale('web', 9, { namespace: NS });
    await runningReady('web', 9);
    await cluster.client.deployments.patchScale('web', 6, { namespace: NS });
    await runningReady('web', 6);
  });

  it('rolls out a new template within maxSurge and maxUnavailable', async () => {
    const s = await recordPods(cluster.client.pods, { namespace: NS, labelSelector: 'app=web' });
    await cluster.client.deployments.patch('web', { spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox:latest' }] } } } }, { namespace: NS, type: 'strategic' });
    await waitFor(async () => {
      const pods = (await podsOf('web')).filter(live);
      return pods.length === 6 && pods.every((p) => p.spec.containers[0]!.image === 'busybox:latest' && isReady(p));
    }, { what: 'the rollout to finish', timeoutMs: 60_000 });
    const { minReady, maxLive } = await s.stop();
    expect(minReady).toBeGreaterThanOrEqual(6 - 1);
    expect(maxLive).toBeLessThanOrEqual(6 + 1);
    // The Deployment's status follows its ReplicaSets' (a controller turn behind the pods): wait for it to settle.
    let d = await cluster.client.deployments.get('web', { namespace: NS });
    await waitFor(async () => {
      d = await cluster.client.deployments.get('web', { namespace: NS });
      return d.status?.replicas === 6 && d.status.updatedReplicas === 6 && d.status.availableReplicas === 6;
    }, { what: 'the Deployment status to count 6 updated, available replicas', timeoutMs: 30_000 });
    expect(d.status?.observedGeneration).toBe(d.metadata.generation);
  });

  it('recreates the pods of a SIGKILLed node agent on the other nodes', async () => {
    const victim = 'agent-1';
    await cluster.kill(victim, 'SIGKILL');
    await waitFor(async () => {
      const n = await cluster.client.nodes.get(victim);
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True') === true;
    }, { what: `${victim} to be marked not ready`, timeoutMs: 20_000 });
    // The node turns NotReady before its pods do: wait until the 6 Ready pods are all elsewhere.
    await runningReady('web', 6, 45_000, { what: ` off ${victim}`, ok: (p) => p.spec.nodeName !== victim });
    const node = await cluster.client.nodes.get(victim);
    expect(node.spec?.taints?.map((t) => t.key)).toContain('node.kubernetes.io/unreachable');
    startAgent(victim);
    await waitFor(async () => {
      const n = await cluster.client.nodes.get(victim);
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable');
    }, { what: `${victim} to come back and lose its taint`, timeoutMs: 20_000 });
  });

  it('survives a controller-manager SIGKILL mid-rollout with no extra pods', async () => {
    await cluster.client.deployments.create(deployment('api', 5));
    await runningReady('api', 5);
    const s = await recordPods(cluster.client.pods, { namespace: NS, labelSelector: 'app=api' });
    await cluster.client.deployments.patch('api', { spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox:latest' }] } } } }, { namespace: NS, type: 'strategic' });
    // Mid-rollout: the new ReplicaSet has been created and scaled up, the old one not yet scaled to zero.
    await waitFor(async () => {
      const sets = (await cluster.client.replicasets.list({ namespace: NS, labelSelector: 'app=api' })).items;
      return sets.length === 2 && sets.every((rs) => (rs.spec.replicas ?? 0) > 0);
    }, { what: 'the api rollout to be under way', timeoutMs: 30_000 });
    await cluster.kill('controller-manager', 'SIGKILL');
    startControllerManager();
    await waitFor(async () => {
      const pods = (await podsOf('api')).filter(live);
      return pods.length === 5 && pods.every((p) => p.spec.containers[0]!.image === 'busybox:latest' && isReady(p));
    }, { what: 'the interrupted rollout to finish', timeoutMs: 60_000 });
    const { maxLive } = await s.stop();
    expect(maxLive).toBeLessThanOrEqual(5 + 1);
    const rs = await cluster.client.replicasets.list({ namespace: NS, labelSelector: 'app=api' });
    expect(rs.items).toHaveLength(2);
  });

  it('cascades a Deployment delete to its ReplicaSets and pods', async () => {
    await cluster.client.deployments.delete('api', { namespace: NS, propagationPolicy: 'Background' });
    await waitFor(async () => (await podsOf('api')).length === 0 && (await cluster.client.replicasets.list({ namespace: NS, labelSelector: 'app=api' })).items.length === 0, { what: 'the api Deployment to be gone with everything it owned', timeoutMs: 30_000 });
  });

  it('deletes a namespace with everything in it', async () => {
    await cluster.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'scratch' } });
    await cluster.client.deployments.create({ ...deployment('tmp', 2), metadata: { name: 'tmp', namespace: 'scratch' } });
    await waitFor(async () => (await cluster.client.pods.list({ namespace: 'scratch' })).items.length === 2, { what: 'pods in scratch', timeoutMs: 20_000 });
    await cluster.client.namespaces.delete('scratch');
    await waitFor(async () => {
      try {
        await cluster.client.namespaces.get('scratch');
        return false;
      } catch {
        return (await cluster.client.pods.list({ namespace: 'scratch' })).items.length === 0;
      }
    }, { what: 'namespace scratch and its pods to be gone', timeoutMs: 30_000 });
  });
});
