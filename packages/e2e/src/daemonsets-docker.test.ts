/**
 * A DaemonSet over a real Docker engine: api-server, scheduler, controller-manager and two `--runtime docker` node
 * agents. Each node really runs one busybox container of the DaemonSet, started by its own agent, and a rolling
 * update replaces them with containers of the new template.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type DaemonSet, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { docker } from './docker.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';

const available = dockerClusterAvailable();
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODES = [`e2e-ds-a-${SUFFIX}`, `e2e-ds-b-${SUFFIX}`];
const NS = 'default';
const cluster = new Cluster();
const daemonsets = () => cluster.client.resource<DaemonSet>(RESOURCES.daemonsets);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** runningContainers lists the running app containers of `node`'s agent as `pod-uid/container`. */
async function runningContainers(node: string): Promise<string[]> {
  const format = '{{.State}}|{{.Label "skiff.dev/pod-uid"}}|{{.Label "skiff.dev/kind"}}|{{.Label "skiff.dev/container-name"}}';
  const out = await docker(['ps', '-a', '--no-trunc', '--filter', `label=skiff.dev/node=${node}`, '--format', format]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'))
    .filter(([state, , kind]) => state === 'running' && kind !== 'sandbox')
    .map(([, uid, , container]) => `${uid}/${container}`);
}

/** onEachNode waits until each node runs exactly one Ready pod of the DaemonSet whose image is `image`. */
async function onEachNode(image: string): Promise<Pod[]> {
  return waitFor(async () => {
    const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=node-agentd' })).items.filter((p) => !p.metadata.deletionTimestamp);
    const placed = pods.map((p) => p.spec.nodeName).sort();
    const ok = pods.every((p) => isReady(p) && p.spec.containers[0]!.image === image) && JSON.stringify(placed) === JSON.stringify([...NODES].sort());
    return ok ? pods : undefined;
  }, { what: `a Ready ${image} daemon pod on each Docker node`, timeoutMs: 120_000 });
}

describe.skipIf(!available)('DaemonSet on two Docker nodes', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    await startDockerCluster(cluster, NODES);
  }, 150_000);
  afterAll(async () => {
    await stopDockerCluster(cluster, NODES);
  }, 60_000);

  it('runs one real container per node, and rolls a new template onto both', async () => {
    await daemonsets().create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-agentd', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'node-agentd' } },
        template: {
          metadata: { labels: { app: 'node-agentd' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'd', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
        },
      },
    });
    const first = await onEachNode('busybox:1.36');
    for (const pod of first) {
      await waitFor(async () => (await runningContainers(pod.spec.nodeName!)).includes(`${pod.metadata.uid}/d`), { what: `${pod.metadata.name}'s container running on ${pod.spec.nodeName}`, timeoutMs: 30_000 });
    }

    const ds = await daemonsets().get('node-agentd', { namespace: NS });
    ds.spec.template.spec.containers[0]!.image = 'busybox:latest';
    await daemonsets().update(ds);
    const second = await onEachNode('busybox:latest');
    const oldUids = new Set(first.map((p) => p.metadata.uid));
    expect(second.some((p) => oldUids.has(p.metadata.uid))).toBe(false);
    for (const pod of second) {
      // The new container runs and the old pod's container is gone from its node.
      await waitFor(async () => {
        const running = await runningContainers(pod.spec.nodeName!);
        return running.includes(`${pod.metadata.uid}/d`) && !running.some((c) => oldUids.has(c.split('/')[0]));
      }, { what: `only the new container on ${pod.spec.nodeName}`, timeoutMs: 60_000 });
    }
    await waitFor(async () => {
      const s = (await daemonsets().get('node-agentd', { namespace: NS })).status;
      return s?.updatedNumberScheduled === 2 && s.numberAvailable === 2 && s.desiredNumberScheduled === 2;
    }, { what: 'DaemonSet status: 2 updated and available', timeoutMs: 30_000 });
  }, 300_000);
});
