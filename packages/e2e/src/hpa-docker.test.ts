/**
 * HorizontalPodAutoscaler over real Docker: a Deployment of busybox pods that burn CPU (capped at 200m, request
 * 100m) is scaled up by the HPA from the usage Docker's stats API reports through metrics.k8s.io; once `kubectl exec`
 * tells each pod to stop burning, it is scaled back down after its short scale-down window.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type HorizontalPodAutoscaler } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const available = dockerClusterAvailable();
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NS = 'default';
const NODE = `e2e-hpa-dk-${SUFFIX}`;
const KUBECTL = '/usr/bin/kubectl';
const dir = mkdtempSync(join(tmpdir(), 'skiff-hpa-dk-'));

describe.skipIf(!available)('HorizontalPodAutoscaler with real Docker containers', () => {
  const cluster = new Cluster();
  let kubeconfig = '';
  const kubectl = (...args: string[]) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 60_000 });
  const hpas = () => cluster.client.resource<HorizontalPodAutoscaler>(RESOURCES.horizontalpodautoscalers);
  const replicas = async () => (await cluster.client.deployments.get('burn', { namespace: NS })).spec.replicas;

  beforeAll(async () => {
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(dir, cluster.server);
    await startDockerCluster(cluster, [NODE], {
      controllerManagerArgs: ['--horizontal-pod-autoscaler-sync-period', '2s'],
      agentArgs: ['--housekeeping-interval', '2s', '--node-status-update-frequency', '2s', '--log-level', 'warn'],
    });
  }, 150_000);
  afterAll(async () => {
    await stopDockerCluster(cluster, [NODE]);
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('scales a CPU-burning Deployment up, and back down once the burn stops', async () => {
    await cluster.client.deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'burn', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'burn' } },
        template: {
          metadata: { labels: { app: 'burn' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: 'burn',
              image: 'busybox:1.36',
              // Burns until /tmp/stop exists, then idles; the 200m limit keeps it polite on a shared machine.
              command: ['sh', '-c', 'trap "exit 0" TERM; while [ ! -f /tmp/stop ]; do :; done; while :; do sleep 1; done'],
              resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } },
            }],
          },
        },
      },
    });
    await hpas().create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'burn', namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burn' },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 5, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] } },
      },
    });

    await waitFor(async () => (await replicas()) === 3, { what: 'burn scaled up to 3', timeoutMs: 180_000, intervalMs: 1000 });
    const up = await hpas().get('burn', { namespace: NS });
    expect(up.status?.conditions?.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(up.status?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBeGreaterThan(50);

    // Stop the burn in every pod that is running now (new ones may still be starting: they are told too, once up).
    await waitFor(async () => {
      const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=burn' })).items.filter((p) => !p.metadata.deletionTimestamp);
      const running = pods.filter((p) => p.status?.phase === 'Running');
      for (const p of running) await kubectl('exec', p.metadata.name!, '--', 'touch', '/tmp/stop');
      return running.length === pods.length && pods.length > 0;
    }, { what: 'burn stopped in every pod', timeoutMs: 120_000, intervalMs: 1000 });
    await waitFor(async () => (await replicas()) === 1, { what: 'burn scaled down to 1', timeoutMs: 180_000, intervalMs: 1000 });
    expect(await kubectl('describe', 'hpa', 'burn')).toMatch(/New size: 1; reason: All metrics below target/);
  }, 420_000);
});
