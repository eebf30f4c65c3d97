/**
 * PodDisruptionBudgets and `kubectl drain` over live processes: api-server, scheduler, controller-manager and two
 * `--runtime simulated` node agents, driven by the real kubectl 1.32. A drain blocked by a budget retries the
 * eviction until a replica is Ready elsewhere, and the budget's pods never drop below minAvailable.
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
import { run, writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const KUBECTL = '/usr/bin/kubectl';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-disruption-'));
let kubeconfig = '';

const kubectlArgs = (args: string[]) => ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args];
const kubectl = (...args: string[]) => run(KUBECTL, kubectlArgs(args), { env: { HOME: dir }, timeoutMs: 90_000 });
const pdbs = () => cluster.client.resource<PodDisruptionBudget>(RESOURCES.poddisruptionbudgets);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

beforeAll(async () => {
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  await cluster.startSimulatedCluster(['drain-0', 'drain-1'], ['--simulated-start-delay', '100ms']);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('kubectl drain with a PodDisruptionBudget', () => {
  it('is refused with 429 while the budget allows nothing, retries, and evicts once replicas are Ready elsewhere', async () => {
    // Both replicas on drain-0: the other node is cordoned while they are placed.
    await kubectl('cordon', 'drain-1');
    await kubectl('create', 'deployment', 'web', '--image=busybox:1.36', '--replicas=2');
    const labelSelector = 'app=web';
    await waitFor(async () => {
      const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector })).items;
      return pods.length === 2 && pods.every((p) => isReady(p) && p.spec.nodeName === 'drain-0');
    }, { what: 'two Ready web pods on drain-0', timeoutMs: 60_000 });
    await kubectl('uncordon', 'drain-1');
    writeFileSync(join(dir, 'pdb.yaml'), 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n');
    await kubectl('apply', '-f', join(dir, 'pdb.yaml'));
    await waitFor(async () => {
      const s = (await pdbs().get('web', { namespace: NS })).status;
      return s?.observedGeneration === 1 && s.currentHealthy === 2 && s.desiredHealthy === 2 ? s : undefined;
    }, { what: 'the disruption controller to compute PDB web', timeoutMs: 30_000 });
    expect(await kubectl('get', 'pdb', 'web', '--no-headers')).toMatch(/^web\s+2\s+N\/A\s+0\s+/);
    const described = await kubectl('describe', 'pdb', 'web');
    expect(described).toMatch(/^Min available:\s+2$/m);
    expect(described).toMatch(/^Selector:\s+app=web$/m);
    expect(described).toMatch(/^\s+Allowed disruptions:\s+0$/m);
    expect(described).toMatch(/^\s+Current:\s+2$/m);

    // Count the budget's healthy pods on every change from here on: it must never go below minAvailable.
    const ready = await watchReadyPods(cluster.client, NS, labelSelector);

    let output = '';
    const drain = spawn(KUBECTL, kubectlArgs(['drain', 'drain-0', '--ignore-daemonsets', '--timeout=120s']), { env: { ...process.env, HOME: dir } });
    drain.stdout.on('data', (d) => (output += d));
    drain.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => drain.on('close', resolve));
    try {
      await waitFor(() => output.includes("Cannot evict pod as it would violate the pod's disruption budget."), { what: 'drain to report the refused eviction', timeoutMs: 30_000 });
      expect(output).toMatch(/error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\)/);
      expect((await cluster.client.nodes.get('drain-0')).spec?.unschedulable).toBe(true);
      // Nothing was deleted while the budget held.
      expect((await cluster.client.pods.list({ namespace: NS, labelSelector })).items.filter((p) => p.metadata.deletionTimestamp)).toEqual([]);

      // A third replica lands on drain-1 (drain-0 is cordoned): one disruption is allowed, drain proceeds.
      await kubectl('scale', 'deployment/web', '--replicas=3');
      const code = await exited;
      expect(output).toContain('node/drain-0 drained');
      expect(code).toBe(0);
      const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector })).items.filter((p) => !p.metadata.deletionTimestamp);
      expect(pods.every((p) => p.spec.nodeName === 'drain-1')).toBe(true);
      expect(ready.min).toBeGreaterThanOrEqual(2);
      expect(ready.failures).toEqual([]);
    } finally {
      ready.stop();
      drain.kill();
    }
  }, 180_000);

  it('kubectl create pdb (a protobuf body) stores the budget, and the controller computes it from the Deployment scale', async () => {
    expect(await kubectl('create', 'pdb', 'half', '--selector=app=web', '--max-unavailable=50%')).toContain('poddisruptionbudget.policy/half created');
    const pdb = await pdbs().get('half', { namespace: NS });
    expect(pdb.spec).toEqual({ maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } });
    const status = await waitFor(async () => {
      const s = (await pdbs().get('half', { namespace: NS })).status;
      return s?.observedGeneration === 1 && s.expectedPods === 3 && s.currentHealthy === 3 ? s : undefined;
    }, { what: 'PDB half computed over the 3 replicas', timeoutMs: 30_000 });
    // 50% of 3 rounds up to 2 unavailable: 1 must stay healthy.
    expect(status).toMatchObject({ desiredHealthy: 1, disruptionsAllowed: 2 });
    expect(status.conditions?.find((c) => c.type === 'DisruptionAllowed')).toMatchObject({ status: 'True', reason: 'SufficientPods' });
  }, 60_000);
});
