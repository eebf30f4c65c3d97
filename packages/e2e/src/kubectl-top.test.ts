/**
 * kubectl top over the built api-server and node agents: metrics.k8s.io/v1beta1 is discovered under /apis, and its
 * NodeMetrics and PodMetrics come from the agents' /stats/summary, sampled from Docker's stats API for a real node
 * (a busybox pod burning CPU shows it) and synthetic for simulated nodes.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, mainOf } from './cluster.js';
import { dockerUp, removeNode, sleepForever } from './docker.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const built = existsSync(mainOf('node-agent')) && existsSync(mainOf('api-server'));
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NS = 'default';
const WAIT = { timeoutMs: 60_000, intervalMs: 500 } as const;

function podOn(node: string, name: string, containers: Pod['spec']['containers']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: name } }, spec: { nodeName: node, containers } };
}

/** rows parses kubectl top's table into one record per line, keyed by the header's columns. */
function rows(table: string): Array<Record<string, string>> {
  const [header, ...lines] = table.trim().split('\n');
  const cols = header!.trim().split(/\s+/);
  return lines.map((l) => Object.fromEntries(l.trim().split(/\s+/).map((v, i) => [cols[i], v])));
}

/** millicores reads kubectl top's CPU column ("250m", "1", "0m"). */
const millicores = (v: string | undefined): number => (v?.endsWith('m') ? Number(v.slice(0, -1)) : Number(v) * 1000);

describe.skipIf(!built || !dockerUp())('kubectl top with real Docker containers and simulated nodes', () => {
  const cluster = new Cluster();
  const node = `e2e-top-dk-${SUFFIX}`;
  const sim = `e2e-top-sim-${SUFFIX}`;
  let kubeconfig = '';
  const kubectl = (args: string[]): Promise<string> => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 30_000 });

  beforeAll(async () => {
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(cluster.dataDir, cluster.server);
    cluster.start(node, 'node-agent', ['--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--housekeeping-interval', '1s', '--log-level', 'warn']);
    cluster.start(sim, 'node-agent', ['--runtime', 'simulated', '--simulated-start-delay', '0s', '--node-name', sim, '--listen', '127.0.0.1:0', '--housekeeping-interval', '1s', '--log-level', 'warn']);
    for (const n of [node, sim]) await waitFor(async () => (await cluster.client.nodes.get(n)).status?.daemonEndpoints?.kubeletEndpoint?.Port, { what: `node ${n} registered`, timeoutMs: 30_000 });
    await cluster.client.pods.create(podOn(node, 'burner', [{ name: 'burn', image: 'busybox:1.36', command: ['sh', '-c', 'trap "exit 0" TERM; while :; do :; done'] }, { name: 'idle', image: 'busybox:1.36', command: sleepForever }]));
    await cluster.client.pods.create(podOn(sim, 'simpod', [{ name: 'c', image: 'busybox:1.36' }]));
  }, 90_000);
  afterAll(async () => {
    await cluster.stop();
    await removeNode(node);
  }, 60_000);

  it('is discovered as metrics.k8s.io/v1beta1 with nodes and pods', async () => {
    const groups = JSON.parse(await kubectl(['get', '--raw', '/apis'])) as { groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> };
    expect(groups.groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion).toBe('metrics.k8s.io/v1beta1');
    const list = JSON.parse(await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1'])) as { resources: Array<{ name: string; kind: string; namespaced: boolean }> };
    expect(list.resources.map((r) => [r.name, r.kind, r.namespaced])).toEqual([
      ['nodes', 'NodeMetrics', false],
      ['pods', 'PodMetrics', true],
    ]);
    expect(await kubectl(['api-resources', '--api-group=metrics.k8s.io'])).toMatch(/pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
  });

  it('kubectl top pods --containers shows the busy container using CPU and both containers using memory', async () => {
    const table = await waitFor(async () => {
      const out = await kubectl(['top', 'pods', '--containers']).catch(() => '');
      const burn = rows(out).find((r) => r['POD'] === 'burner' && r['NAME'] === 'burn');
      return burn && millicores(burn['CPU(cores)']) > 0 ? out : undefined;
    }, { ...WAIT, what: 'CPU of burner/burn in kubectl top' });
    const burner = rows(table).filter((r) => r['POD'] === 'burner');
    expect(burner.map((r) => r['NAME']).sort()).toEqual(['burn', 'idle']);
    for (const r of burner) expect(r['MEMORY(bytes)']).toMatch(/^\d+(Ki|Mi|Gi)?$/);
    expect(millicores(burner.find((r) => r['NAME'] === 'burn')!['CPU(cores)'])).toBeGreaterThan(millicores(burner.find((r) => r['NAME'] === 'idle')!['CPU(cores)']));
    const all = rows(await kubectl(['top', 'pods', '-A']));
    expect(all.find((r) => r['NAME'] === 'burner')?.['NAMESPACE']).toBe(NS);
    expect(all.find((r) => r['NAME'] === 'simpod')).toBeDefined();
    expect(rows(await kubectl(['top', 'pods', '-l', 'app=simpod'])).map((r) => r['NAME'])).toEqual(['simpod']);
    // The Docker node read them from the containers' cgroup files, not through dockerd (--container-stats=cgroupfs).
    const port = (await cluster.client.nodes.get(node)).status?.daemonEndpoints?.kubeletEndpoint?.Port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/^skiff_node_agent_stats_samples_total\{source="cgroupfs"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^skiff_node_agent_stats_samples_total\{source="runtime"\} 0$/m);
  }, 90_000);

  it('kubectl top nodes shows the Docker node busy and the simulated node with synthetic usage', async () => {
    const table = await waitFor(async () => {
      const out = await kubectl(['top', 'nodes']).catch(() => '');
      const r = rows(out);
      const dk = r.find((x) => x['NAME'] === node);
      const sm = r.find((x) => x['NAME'] === sim);
      return dk && sm && millicores(dk['CPU(cores)']) > 0 && millicores(sm['CPU(cores)']) > 0 ? out : undefined;
    }, { ...WAIT, what: 'both nodes busy in kubectl top nodes' });
    // busybox holds well under a MiB, which kubectl shows as 0Mi: the exact bytes are in the NodeMetrics below.
    for (const r of rows(table).filter((x) => x['NAME'] === node || x['NAME'] === sim)) expect(r['MEMORY(bytes)']).toMatch(/^\d+(Ki|Mi|Gi)$/);
    const m = JSON.parse(await kubectl(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/nodes/${node}`])) as { kind: string; timestamp: string; window: string; usage: { cpu: string; memory: string } };
    expect(m.kind).toBe('NodeMetrics');
    expect(m.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(m.window).toMatch(/^\d+(\.\d+)?s$/);
    expect(m.usage.cpu).toMatch(/^[1-9]\d*(n|u|m)?$/);
    expect(m.usage.memory).toMatch(/^[1-9]\d*(Ki|Mi|Gi)?$/);
  }, 90_000);

  it('answers NotFound Statuses in metrics-server words for pods and nodes without metrics', async () => {
    const pod = await kubectl(['top', 'pod', 'nope']).catch((e: Error) => e.message);
    expect(pod).toContain('podmetrics.metrics.k8s.io "default/nope" not found');
    const res = await fetch(`${cluster.server}/apis/metrics.k8s.io/v1beta1/nodes/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'nodemetrics.metrics.k8s.io "nope" not found' });
    const post = await fetch(`${cluster.server}/apis/metrics.k8s.io/v1beta1/nodes`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
  });
});
