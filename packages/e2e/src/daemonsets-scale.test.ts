/**
 * A DaemonSet at scale over live processes: api-server, scheduler, controller-manager and one node agent simulating
 * 200 nodes (`--simulated-nodes 200`), driven by kubectl 1.32. Exactly one pod lands on each node, `rollout status`
 * completes, a new image rolls out with maxUnavailable 10% while a watch counts the nodes without an available pod
 * (never more than 20), and nodes joining later (a second agent) get their pod.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type DaemonSet, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { built, run, writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const KUBECTL = '/usr/bin/kubectl';
const NODES = 200;
const available = built('api-server') && built('scheduler') && built('controller-manager') && built('node-agent');
const suffix = Math.random().toString(36).slice(2, 7);
const SIM = `dscale-${suffix}`;
const SIM_NODES = Array.from({ length: NODES }, (_, i) => `${SIM}-${i}`);
const JOIN = `djoin-${suffix}`;
const JOIN_NODES = [`${JOIN}-0`, `${JOIN}-1`, `${JOIN}-2`];
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-daemonsets-scale-'));
let kubeconfig = '';

const kubectl = (...args: string[]) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 150_000 });
const daemonsets = () => cluster.client.resource<DaemonSet>(RESOURCES.daemonsets);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const live = (p: Pod) => !p.metadata.deletionTimestamp;
// Default heartbeat timings: 200 nodes reporting every second would be the load under test, not the DaemonSet.
const agentArgs = (name: string, nodes: number) => ['--node-name', name, '--runtime', 'simulated', '--simulated-nodes', String(nodes), '--simulated-start-delay', '100ms', '--listen', '127.0.0.1:0', '--log-level', 'warn'];

/** podsPerNode counts the live pods of the DaemonSet on each node (bound by the scheduler). */
function podsPerNode(pods: Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const p of pods.filter(live)) {
    const node = p.spec.nodeName ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  return byNode;
}

/** onePodPerNode waits until every one of `nodes` runs exactly one Ready pod matching `ok`, and no other node runs one. */
async function onePodPerNode(nodes: string[], what: string, ok: (p: Pod) => boolean = () => true): Promise<Pod[]> {
  return waitFor(async () => {
    const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=agent' })).items.filter(live);
    const byNode = podsPerNode(pods);
    const exact = byNode.size === nodes.length && nodes.every((n) => byNode.get(n)?.length === 1);
    return exact && pods.every((p) => isReady(p) && ok(p)) ? pods : undefined;
  }, { what, timeoutMs: 120_000, intervalMs: 500 });
}

beforeAll(async () => {
  if (!available) return;
  await cluster.startApiServer(['--log-level', 'warn']);
  kubeconfig = writeKubeconfig(dir, cluster.server);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0', '--log-level', 'warn']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0', '--log-level', 'warn']);
  cluster.start('sim', 'node-agent', agentArgs(SIM, NODES));
  await waitFor(async () => {
    const ready = (await cluster.client.nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === NODES;
  }, { what: `${NODES} Ready simulated nodes`, timeoutMs: 90_000, intervalMs: 500 });
}, 120_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(!available)(`a DaemonSet over ${NODES} simulated nodes`, () => {
  it('places exactly one pod per node, rolls a new image out within maxUnavailable 10%, and gives joining nodes their pod', async () => {
    writeFileSync(
      join(dir, 'ds.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: {name: agent}',
        'spec:',
        '  selector: {matchLabels: {app: agent}}',
        '  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: "10%"}}',
        '  template:',
        '    metadata: {labels: {app: agent}}',
        '    spec:',
        '      terminationGracePeriodSeconds: 1',
        '      containers: [{name: agent, image: "busybox:1.36"}]',
        '',
      ].join('\n'),
    );
    await kubectl('apply', '-f', join(dir, 'ds.yaml'));
    const first = await onePodPerNode(SIM_NODES, `one Ready agent pod on each of the ${NODES} nodes`);
    expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=120s')).toContain('daemon set "agent" successfully rolled out');
    const table = (await kubectl('get', 'ds', 'agent', '--no-headers')).trim();
    expect(table).toMatch(new RegExp(`^agent\\s+${NODES}\\s+${NODES}\\s+${NODES}\\s+${NODES}\\s+${NODES}\\s+<none>\\s+`));
    const oldRevision = new Set(first.map((p) => p.metadata.labels?.['controller-revision-hash']));
    expect(oldRevision.size).toBe(1);

    // From here every pod event updates the picture; a node without a Ready, live pod is unavailable.
    const initial = await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=agent' });
    const current = new Map(initial.items.map((p) => [p.metadata.name!, p]));
    let maxUnavailable = 0;
    const failures: unknown[] = [];
    const watch = cluster.client.pods.watch({ namespace: NS, labelSelector: 'app=agent', resourceVersion: initial.metadata.resourceVersion! }, {
      onEvent(e) {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') current.set(e.object.metadata.name!, e.object);
        else if (e.type === 'DELETED') current.delete(e.object.metadata.name!);
        const serving = new Set([...current.values()].filter((p) => live(p) && isReady(p)).map((p) => p.spec.nodeName));
        maxUnavailable = Math.max(maxUnavailable, SIM_NODES.filter((n) => !serving.has(n)).length);
      },
      onError: (err) => void failures.push(err),
    });
    try {
      await kubectl('set', 'image', 'ds/agent', 'agent=busybox:latest');
      expect(await kubectl('rollout', 'status', 'ds/agent', '--timeout=150s')).toContain('daemon set "agent" successfully rolled out');
      const after = await onePodPerNode(SIM_NODES, `the new image on each of the ${NODES} nodes`, (p) => p.spec.containers[0]!.image === 'busybox:latest');
      const newRevision = new Set(after.map((p) => p.metadata.labels?.['controller-revision-hash']));
      expect(newRevision.size).toBe(1);
      expect(oldRevision.has([...newRevision][0])).toBe(false);
      const ds = await daemonsets().get('agent', { namespace: NS });
      expect(ds.status).toMatchObject({ desiredNumberScheduled: NODES, currentNumberScheduled: NODES, updatedNumberScheduled: NODES, numberReady: NODES, numberAvailable: NODES, numberMisscheduled: 0, observedGeneration: 2 });
      // The watch kept up with the roll-out: it saw the last new pod Ready.
      await waitFor(() => SIM_NODES.every((n) => [...current.values()].some((p) => live(p) && isReady(p) && p.spec.nodeName === n && p.spec.containers[0]!.image === 'busybox:latest')), {
        what: 'the watch to show every new pod Ready',
        timeoutMs: 30_000,
      });
      // 10% of 200 nodes: at most 20 without an available pod at any moment, and the update did take some down.
      expect(maxUnavailable).toBeLessThanOrEqual(NODES / 10);
      expect(maxUnavailable).toBeGreaterThan(1);
      expect(failures).toEqual([]);
    } finally {
      watch.stop();
    }

    // Three nodes join through a second agent: each gets its pod, the first 200 keep theirs.
    cluster.start('joined', 'node-agent', agentArgs(JOIN, JOIN_NODES.length));
    const kept = new Set((await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=agent' })).items.map((p) => p.metadata.uid));
    const all = await onePodPerNode([...SIM_NODES, ...JOIN_NODES], 'the three joined nodes to run an agent pod each');
    expect(all.filter((p) => !kept.has(p.metadata.uid)).map((p) => p.spec.nodeName).sort()).toEqual(JOIN_NODES);
    await waitFor(async () => {
      const s = (await daemonsets().get('agent', { namespace: NS })).status;
      return s?.desiredNumberScheduled === NODES + 3 && s.numberAvailable === NODES + 3 && s.updatedNumberScheduled === NODES + 3;
    }, { what: `DaemonSet status counting ${NODES + 3} nodes`, timeoutMs: 30_000 });
  }, 420_000);
});
