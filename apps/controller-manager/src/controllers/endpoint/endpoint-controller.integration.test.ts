import type { Pod, Service } from '@skiff/api';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { createClient, type Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runControllerManager } from '../../controller-manager.js';

let server: RunningServer;
let client: Clientset;
let stop: () => Promise<void>;

beforeEach(async () => {
  server = await startServer();
  client = createClient({ server: server.url });
  const ac = new AbortController();
  const done = runControllerManager({ client, options: { controllers: ['endpoint', 'garbagecollector'], concurrentReplicaSetSyncs: 1, concurrentDeploymentSyncs: 1 } }, ac.signal);
  stop = async () => {
    ac.abort();
    await done;
  };
});

afterEach(async () => {
  await stop();
  await client.close();
  await server.close();
});

const ns = { namespace: 'default' };

/** runningPod creates a pod of app=web and reports it Running with `ip`, Ready or not, as a node agent would. */
async function runningPod(name: string, ip: string, ready: boolean): Promise<Pod> {
  const created = await client.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }] } });
  return setReady(created, ip, ready);
}

async function setReady(pod: Pod, ip: string, ready: boolean): Promise<Pod> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return client.pods.updateStatus({ ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] } });
}

async function readyIPs(): Promise<string[]> {
  const slices = (await client.endpointslices.list(ns)).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
  return slices.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready).map((e) => e.addresses[0]!)).sort();
}

describe('EndpointController against a real api-server', () => {
  it('follows pod readiness into Endpoints and EndpointSlices, and the slices go with the Service', async () => {
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
    await client.services.create(svc);
    await runningPod('a', '10.244.0.5', true);
    await runningPod('b', '10.244.0.6', true);
    await waitFor(async () => (await readyIPs()).join() === '10.244.0.5,10.244.0.6', { timeoutMs: 10_000, what: 'both pods ready in the slice' });
    const ep = await client.endpoints.get('web', ns);
    expect(ep.subsets?.[0]?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);

    await setReady(await client.pods.get('a', ns), '10.244.0.5', false);
    await waitFor(async () => (await readyIPs()).join() === '10.244.0.6', { timeoutMs: 10_000, what: 'the unready pod to leave' });
    await waitFor(async () => (await client.endpoints.get('web', ns)).subsets?.[0]?.notReadyAddresses?.[0]?.ip === '10.244.0.5', { timeoutMs: 10_000, what: 'Endpoints to list it not ready' });

    await client.services.delete('web', ns);
    await waitFor(async () => (await client.endpointslices.list(ns)).items.length === 0, { timeoutMs: 10_000, what: 'slices removed' });
    await waitFor(async () => !(await client.endpoints.list(ns)).items.some((e) => e.metadata.name === 'web'), { timeoutMs: 10_000, what: 'Endpoints removed' });
  });
});
