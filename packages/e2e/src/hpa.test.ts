/**
 * HorizontalPodAutoscaler over live processes: api-server, scheduler, controller-manager (HPA sync every second) and
 * two simulated node agents sampling every second. The pods' CPU is driven through the skiff.dev/simulated-cpu
 * annotation the simulated runtime reads, so the HPA scales a Deployment up, and back down after the usage drops
 * and its short scale-down window passed; kubectl 1.32 reads it back with get and describe.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Deployment, type HorizontalPodAutoscaler } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, mainOf } from './cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const KUBECTL = '/usr/bin/kubectl';
const built = existsSync(mainOf('controller-manager')) && existsSync(mainOf('node-agent'));
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-hpa-'));
let kubeconfig = '';
const kubectl = (...args: string[]) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 60_000 });
const hpas = () => cluster.client.resource<HorizontalPodAutoscaler>(RESOURCES.horizontalpodautoscalers);
const NODES = ['hpa-sim-0', 'hpa-sim-1'];

beforeAll(async () => {
  if (!built) return;
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0', '--horizontal-pod-autoscaler-sync-period', '1s']);
  for (const name of NODES) {
    cluster.start(name, 'node-agent', ['--node-name', name, '--runtime', 'simulated', '--simulated-start-delay', '0s', '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s', '--housekeeping-interval', '1s', '--log-level', 'warn']);
  }
  const ready = async () => (await cluster.client.nodes.list()).items.filter((n) => NODES.includes(n.metadata.name ?? '') && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === NODES.length;
  await waitFor(ready, { what: 'simulated nodes Ready', timeoutMs: 60_000 });
}, 90_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(!built)('HorizontalPodAutoscaler on simulated nodes', () => {
  it('scales a Deployment up while its pods use 200% of their CPU request, and back down to minReplicas once they idle', async () => {
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' }, annotations: { 'skiff.dev/simulated-cpu': '200m' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '100m' } } }] },
        },
      },
    };
    await cluster.client.deployments.create(deployment);
    await hpas().create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 3, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] } },
      },
    });

    // 200m used of 100m requested against a 50% target: 4 replicas, the maximum.
    await waitFor(async () => (await cluster.client.deployments.get('web', { namespace: NS })).spec.replicas === 4, { what: 'web scaled up to 4', timeoutMs: 120_000, intervalMs: 500 });
    const up = await waitFor(async () => {
      const h = await hpas().get('web', { namespace: NS });
      return h.status?.currentReplicas === 4 && h.status.currentMetrics?.[0]?.resource?.current.averageUtilization !== undefined ? h : undefined;
    }, { what: 'HPA status at 4 replicas', timeoutMs: 60_000, intervalMs: 500 });
    expect(up.status?.conditions?.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(up.status?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBeGreaterThan(100);

    const table = (await kubectl('get', 'hpa')).split('\n');
    expect(table[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
    expect(table[1]).toMatch(/^web\s+Deployment\/web\s+cpu: \d+%\/50%\s+1\s+4\s+4\s+\d+s$/);
    const described = await kubectl('describe', 'hpa', 'web');
    expect(described).toMatch(/Reference:\s+Deployment\/web/);
    expect(described).toMatch(/Min replicas:\s+1/);
    expect(described).toMatch(/Max replicas:\s+4/);
    expect(described).toMatch(/ScalingActive\s+True\s+ValidMetricFound/);
    expect(described).toMatch(/Normal\s+SuccessfulRescale\s+.*New size: \d; reason: cpu resource utilization \(percentage of request\) above target/);

    // The load stops: every running pod now reports 10m (5% of its request).
    const pods = await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=web' });
    await Promise.all(pods.items.map((p) => cluster.client.pods.patch(p.metadata.name!, { metadata: { annotations: { 'skiff.dev/simulated-cpu': '10m' } } }, { namespace: NS, type: 'merge' })));
    await waitFor(async () => (await cluster.client.deployments.get('web', { namespace: NS })).spec.replicas === 1, { what: 'web scaled down to 1', timeoutMs: 120_000, intervalMs: 500 });
    expect(await kubectl('describe', 'hpa', 'web')).toMatch(/Normal\s+SuccessfulRescale\s+.*New size: 1; reason: All metrics below target/);
  }, 300_000);
});
