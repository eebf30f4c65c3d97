/**
 * StatefulSets over live processes: api-server, scheduler, controller-manager and two `--runtime simulated` node
 * agents, driven by kubectl 1.32: ordered creation, a deleted pod coming back under its name, a partitioned rolling
 * update and ordered scale-down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Pod, type StatefulSet } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const KUBECTL = '/usr/bin/kubectl';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-statefulsets-'));
let kubeconfig = '';

const kubectl = (...args: string[]) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 120_000 });
const statefulsets = () => cluster.client.resource<StatefulSet>(RESOURCES.statefulsets);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const livePods = async (): Promise<Pod[]> => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);

beforeAll(async () => {
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  await cluster.startSimulatedCluster(['sts-0', 'sts-1'], ['--simulated-start-delay', '300ms']);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('StatefulSets on simulated nodes', () => {
  it('creates web-0..2 in order, brings a deleted pod back under its name, rolls a partitioned update and scales down from the top', async () => {
    // Record when each pod was created and when it turned Ready, from the watch.
    const initial = await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=web' });
    const events: string[] = [];
    const readySeen = new Set<string>();
    const failures: unknown[] = [];
    const watch = cluster.client.pods.watch({ namespace: NS, labelSelector: 'app=web', resourceVersion: initial.metadata.resourceVersion! }, {
      onEvent(e) {
        const name = e.object.metadata.name!;
        if (e.type === 'ADDED') events.push(`created ${name}`);
        if (e.type === 'MODIFIED' && isReady(e.object) && !readySeen.has(e.object.metadata.uid!)) {
          readySeen.add(e.object.metadata.uid!);
          events.push(`ready ${name}`);
        }
        if (e.type === 'DELETED') events.push(`deleted ${name}`);
      },
      onError: (err) => void failures.push(err),
    });
    try {
      writeFileSync(
        join(dir, 'sts.yaml'),
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata: {name: web}',
          'spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}',
          '---',
          'apiVersion: apps/v1',
          'kind: StatefulSet',
          'metadata: {name: web}',
          'spec:',
          '  serviceName: web',
          '  replicas: 3',
          '  selector: {matchLabels: {app: web}}',
          '  template:',
          '    metadata: {labels: {app: web}}',
          '    spec: {terminationGracePeriodSeconds: 1, containers: [{name: web, image: "busybox:1.36"}]}',
          '',
        ].join('\n'),
      );
      await kubectl('apply', '-f', join(dir, 'sts.yaml'));
      expect(await kubectl('rollout', 'status', 'sts/web', '--timeout=90s')).toContain('partitioned roll out complete: 3 new pods have been updated'); // partition defaults to 0, as in kube
      // OrderedReady: each pod is created only after the one before it is Ready.
      expect(events.filter((e) => e.endsWith('web-0') || e.endsWith('web-1') || e.endsWith('web-2')).slice(0, 6)).toEqual(['created web-0', 'ready web-0', 'created web-1', 'ready web-1', 'created web-2', 'ready web-2']);
      const pods = await livePods();
      expect(pods.map((p) => [p.metadata.name, p.spec.hostname, p.spec.subdomain]).sort()).toEqual([['web-0', 'web-0', 'web'], ['web-1', 'web-1', 'web'], ['web-2', 'web-2', 'web']]);
      expect((await kubectl('get', 'sts', 'web', '--no-headers')).trim()).toMatch(/^web\s+3\/3\s+/);
      const described = await kubectl('describe', 'sts', 'web');
      expect(described).toMatch(/^Replicas:\s+3 desired \| 3 total$/m);
      expect(described).toMatch(/^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
      expect(described).toMatch(/Normal\s+SuccessfulCreate\s+.*create Pod web-2 in StatefulSet web successful/);

      // A deleted pod comes back with the same name (a new pod).
      const oldUid = pods.find((p) => p.metadata.name === 'web-1')!.metadata.uid;
      await kubectl('delete', 'pod', 'web-1', '--wait=false');
      await waitFor(async () => (await livePods()).some((p) => p.metadata.name === 'web-1' && p.metadata.uid !== oldUid && isReady(p)), { what: 'web-1 back and Ready', timeoutMs: 60_000 });

      // Partition 2: only web-2 takes the new image.
      await kubectl('patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}');
      await kubectl('set', 'image', 'sts/web', 'web=busybox:latest');
      expect(await kubectl('rollout', 'status', 'sts/web', '--timeout=90s')).toContain('partitioned roll out complete: 1 new pods have been updated');
      const images = Object.fromEntries((await livePods()).map((p) => [p.metadata.name, p.spec.containers[0]!.image]));
      expect(images).toEqual({ 'web-0': 'busybox:1.36', 'web-1': 'busybox:1.36', 'web-2': 'busybox:latest' });
      const status = (await statefulsets().get('web', { namespace: NS })).status!;
      expect(status.updateRevision).not.toBe(status.currentRevision);
      expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentReplicas: 2 });

      // Scale down to 1: web-2 goes before web-1.
      events.length = 0;
      await kubectl('scale', 'sts/web', '--replicas=1');
      await waitFor(async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=web' })).items.map((p) => p.metadata.name).join() === 'web-0', { what: 'only web-0 left', timeoutMs: 60_000 });
      await waitFor(() => events.filter((e) => e.startsWith('deleted')).length === 2, { what: 'the watch to see both deletions', timeoutMs: 30_000 });
      expect(events.filter((e) => e.startsWith('deleted'))).toEqual(['deleted web-2', 'deleted web-1']);
      expect(failures).toEqual([]);
    } finally {
      watch.stop();
    }
  }, 300_000);
});
