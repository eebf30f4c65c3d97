/**
 * DaemonSets over live processes: api-server, scheduler, controller-manager and `--runtime simulated` node agents
 * (one process simulating three nodes, plus nodes started and removed during the test), driven by kubectl 1.32.
 * The controller pins each pod to its node by affinity; the scheduler binds it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type DaemonSet, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { agentDaemonSet, kubectlIn } from './fixtures.js';
import { writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-daemonsets-'));
const suffix = Math.random().toString(36).slice(2, 7);
const SIM = `dsim-${suffix}`;
const SIM_NODES = [`${SIM}-0`, `${SIM}-1`, `${SIM}-2`];
let kubeconfig = '';

const kubectl = kubectlIn(dir, () => kubeconfig);
const daemonsets = () => cluster.client.resource<DaemonSet>(RESOURCES.daemonsets);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const livePods = async (selector: string): Promise<Pod[]> => (await cluster.client.pods.list({ namespace: NS, labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
const readyNodes = async (): Promise<string[]> =>
  (await cluster.client.nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name!);
const agentArgs = (name: string, extra: string[] = []) => ['--node-name', name, '--runtime', 'simulated', '--simulated-start-delay', '100ms', '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s', ...extra];

/** onePodPerNode waits until `nodes` each run exactly one Ready pod of the selector and no other node runs one. */
async function onePodPerNode(selector: string, nodes: string[], what: string): Promise<Pod[]> {
  return waitFor(async () => {
    const pods = await livePods(selector);
    const placed = pods.map((p) => p.spec.nodeName ?? '').sort();
    return pods.every(isReady) && JSON.stringify(placed) === JSON.stringify([...nodes].sort()) ? pods : undefined;
  }, { what, timeoutMs: 60_000 });
}

beforeAll(async () => {
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('sim', 'node-agent', agentArgs(SIM, ['--simulated-nodes', '3']));
  await waitFor(async () => (await readyNodes()).length === 3, { what: 'three Ready simulated nodes', timeoutMs: 30_000 });
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('DaemonSets on simulated nodes', () => {
  it('runs one pod per node through the scheduler, follows nodes joining, leaving and relabelled, and rolls a new image out', async () => {
    writeFileSync(join(dir, 'ds.yaml'), JSON.stringify(agentDaemonSet({ nodeSelector: { 'kubernetes.io/os': 'linux' } })));
    await kubectl('apply', '-f', join(dir, 'ds.yaml'));
    const pods = await onePodPerNode('app=agent', SIM_NODES, 'an agent pod Ready on each of the three nodes');
    // Bound by the scheduler: the controller only pinned them by affinity.
    for (const p of pods) {
      expect(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }]);
      expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    }
    expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=60s')).toContain('daemon set "agent" successfully rolled out');
    const table = await kubectl('get', 'ds', 'agent');
    expect(table.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/);
    expect(table.split('\n')[1]).toMatch(/^agent\s+3\s+3\s+3\s+3\s+3\s+kubernetes\.io\/os=linux\s+/);
    const described = await kubectl('describe', 'ds', 'agent');
    expect(described).toMatch(/^Name:\s+agent$/m);
    expect(described).toMatch(/^Desired Number of Nodes Scheduled: 3$/m);
    expect(described).toMatch(/^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(described).toMatch(/Normal\s+SuccessfulCreate\s+.*Created pod: agent-/);

    // A node joins: it gets its pod.
    const joined = `djoin-${suffix}`;
    cluster.start('joined', 'node-agent', agentArgs(joined));
    await onePodPerNode('app=agent', [...SIM_NODES, joined], 'the joined node to run an agent pod');

    // A node stops qualifying: its pod goes; relabelled back, it returns.
    await kubectl('label', 'node', SIM_NODES[0]!, 'kubernetes.io/os=windows', '--overwrite');
    await onePodPerNode('app=agent', [SIM_NODES[1]!, SIM_NODES[2]!, joined], 'the relabelled node to lose its pod');
    await kubectl('label', 'node', SIM_NODES[0]!, 'kubernetes.io/os=linux', '--overwrite');
    await onePodPerNode('app=agent', [...SIM_NODES, joined], 'the node relabelled back to get its pod again');

    // A node is removed: its pod goes with it.
    await cluster.kill('joined');
    await kubectl('delete', 'node', joined);
    await onePodPerNode('app=agent', SIM_NODES, 'the removed node to lose its pod');

    // A new image rolls out node by node (maxUnavailable 1) and rollout status waits for it.
    const before = new Set(pods.map((p) => p.metadata.labels?.['controller-revision-hash']));
    await kubectl('set', 'image', 'ds/agent', 'agent=busybox:latest');
    expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=90s')).toContain('daemon set "agent" successfully rolled out');
    const after = await onePodPerNode('app=agent', SIM_NODES, 'the new image on every node');
    expect(after.every((p) => p.spec.containers[0]!.image === 'busybox:latest' && !before.has(p.metadata.labels?.['controller-revision-hash']))).toBe(true);
    const ds = await daemonsets().get('agent', { namespace: NS });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0, observedGeneration: 2 });
  }, 240_000);

  it('drain --ignore-daemonsets leaves daemon pods on the cordoned node (they tolerate unschedulable)', async () => {
    const node = SIM_NODES[1]!;
    const before = (await livePods('app=agent')).filter((p) => p.spec.nodeName === node).map((p) => p.metadata.uid);
    expect(before).toHaveLength(1);
    const out = await kubectl('drain', node, '--ignore-daemonsets', '--timeout=60s');
    expect(out).toContain(`node/${node} drained`);
    // Cordoned, the node still qualifies (daemon pods tolerate node.kubernetes.io/unschedulable): the pod stays.
    const ds = await daemonsets().get('agent', { namespace: NS });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, numberMisscheduled: 0 });
    await kubectl('uncordon', node);
    const pods = await livePods('app=agent');
    expect(pods.filter((p) => p.spec.nodeName === node).map((p) => p.metadata.uid)).toEqual(before);
  }, 120_000);
});
