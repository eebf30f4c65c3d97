/**
 * `kubectl drain` against a PodDisruptionBudget over a real Docker engine: api-server, scheduler, controller-manager
 * and two `--runtime docker` node agents, driven by kubectl 1.32. Readiness is a real exec probe in the container,
 * so "Ready elsewhere" means a container that started on the other node and answered its probe. The drain is
 * refused with 429 while the budget allows nothing, deletes nothing meanwhile, finishes once a replica is Ready on
 * the other node, the budget's Ready pods never drop below minAvailable, and the evicted pods' containers are gone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Pod, type PodDisruptionBudget } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { watchReadyPods } from './ready-pods-watch.js';
import { docker } from './docker.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const available = dockerClusterAvailable();
const SUFFIX = Math.random().toString(36).slice(2, 8);
const [DRAINED, OTHER] = [`e2e-drain-a-${SUFFIX}`, `e2e-drain-b-${SUFFIX}`] as const;
const NS = 'default';
const KUBECTL = '/usr/bin/kubectl';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-disruption-docker-'));
let kubeconfig = '';

const kubectlArgs = (args: string[]) => ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args];
const kubectl = (...args: string[]) => run(KUBECTL, kubectlArgs(args), { env: { HOME: dir }, timeoutMs: 90_000 });
const pdbs = () => cluster.client.resource<PodDisruptionBudget>(RESOURCES.poddisruptionbudgets);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const labelSelector = 'app=web';
const livePods = async () => (await cluster.client.pods.list({ namespace: NS, labelSelector })).items.filter((p) => !p.metadata.deletionTimestamp);

/** containersOf lists the Docker containers (any state, sandbox included) the agent made for a pod, as `state`. */
async function containersOf(uid: string): Promise<string[]> {
  return (await docker(['ps', '-a', '--filter', `label=skiff.dev/pod-uid=${uid}`, '--format', '{{.State}}'])).split('\n').filter(Boolean);
}

// Ready only once the container ran far enough to create the file: the probe runs in the container.
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: busybox:1.36
        command: [sh, -c, 'touch /tmp/ready; trap "exit 0" TERM; sleep 3600 & wait']
        readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1}
`;

describe.skipIf(!available)('kubectl drain with a PodDisruptionBudget on two Docker nodes', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(dir, cluster.server);
    await startDockerCluster(cluster, [DRAINED, OTHER]);
  }, 150_000);
  afterAll(async () => {
    await stopDockerCluster(cluster, [DRAINED, OTHER]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('is refused with 429 while the budget holds, deletes nothing, and evicts once a replica is Ready on the other node', async () => {
    // Both replicas on the node to drain: the other one is cordoned while they are placed.
    await kubectl('cordon', OTHER);
    writeFileSync(join(dir, 'web.yaml'), DEPLOYMENT);
    await kubectl('apply', '-f', join(dir, 'web.yaml'));
    const placed = await waitFor(async () => {
      const pods = await livePods();
      return pods.length === 2 && pods.every((p) => isReady(p) && p.spec.nodeName === DRAINED) ? pods : undefined;
    }, { what: `two Ready web pods on ${DRAINED}`, timeoutMs: 90_000 });
    for (const p of placed) expect(await containersOf(p.metadata.uid!)).toContain('running');
    await kubectl('uncordon', OTHER);
    writeFileSync(join(dir, 'pdb.yaml'), 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n');
    await kubectl('apply', '-f', join(dir, 'pdb.yaml'));
    await waitFor(async () => {
      const s = (await pdbs().get('web', { namespace: NS })).status;
      return s?.observedGeneration === 1 && s.currentHealthy === 2 && s.desiredHealthy === 2 && s.disruptionsAllowed === 0 ? s : undefined;
    }, { what: 'the disruption controller to compute PDB web', timeoutMs: 30_000 });

    // The budget's Ready pods, counted on every change from here on: never below minAvailable.
    const ready = await watchReadyPods(cluster.client, NS, labelSelector);

    let output = '';
    const drain = spawn(KUBECTL, kubectlArgs(['drain', DRAINED, '--ignore-daemonsets', '--timeout=180s']), { env: { ...process.env, HOME: dir } });
    drain.stdout.on('data', (d) => (output += d));
    drain.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => drain.on('close', resolve));
    try {
      await waitFor(() => output.includes("Cannot evict pod as it would violate the pod's disruption budget."), { what: 'drain to report the refused eviction', timeoutMs: 60_000 });
      expect(output).toMatch(/error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\)/);
      expect((await cluster.client.nodes.get(DRAINED)).spec?.unschedulable).toBe(true);
      // Nothing was deleted while the budget held: the same two pods, their containers still running.
      const held = (await cluster.client.pods.list({ namespace: NS, labelSelector })).items;
      expect(held.map((p) => [p.metadata.uid, p.metadata.deletionTimestamp])).toEqual(expect.arrayContaining(placed.map((p) => [p.metadata.uid, undefined])));
      expect(held).toHaveLength(2);
      for (const p of placed) expect(await containersOf(p.metadata.uid!)).toContain('running');

      // A third replica lands on the other node (this one is cordoned); once its probe passes, drain proceeds.
      await kubectl('scale', 'deployment/web', '--replicas=3');
      const code = await exited;
      expect(output).toContain(`node/${DRAINED} drained`);
      expect(code).toBe(0);
      for (const p of placed) expect(output).toContain(`pod/${p.metadata.name} evicted`);
      const pods = await livePods();
      expect(pods.map((p) => p.spec.nodeName)).toEqual([OTHER, OTHER, OTHER]);
      expect(ready.min).toBeGreaterThanOrEqual(2);
      expect(ready.failures).toEqual([]);
      // The evicted pods' containers (and sandboxes) are removed from Docker by their node's agent.
      for (const p of placed) {
        await waitFor(async () => (await containersOf(p.metadata.uid!)).length === 0, { what: `${p.metadata.name}'s containers gone from Docker`, timeoutMs: 60_000 });
      }
      await waitFor(async () => {
        const readyNow = (await livePods()).filter(isReady);
        return readyNow.length === 3 && (await Promise.all(readyNow.map((p) => containersOf(p.metadata.uid!)))).every((states) => states.includes('running'));
      }, { what: `three Ready web pods running in Docker on ${OTHER}`, timeoutMs: 60_000 });
    } finally {
      ready.stop();
      drain.kill();
    }
  }, 300_000);
});
