import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Node, NodeCondition, Pod } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { testVolumeDirs } from './__tests__/volume-dirs.js';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { AgentProcess, type AgentProcessOptions } from './agent-process.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import { SimulatedRuntime } from './runtime/simulated/simulated-runtime.js';
import { waitFor } from '@skiff/testing';

let server: RunningServer;
let client: Clientset;
const agents: AgentProcess[] = [];
/** Clients with a request the server holds open: closed once the server is gone, which ends that request. */
const heldClients: Clientset[] = [];

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

beforeEach(async () => {
  server = await startServer();
  client = createClient({ server: server.url });
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop(false);
  await client.close();
  await server.close();
  for (const c of heldClients.splice(0)) await c.close();
});

function options(over: Partial<AgentProcessOptions>): AgentProcessOptions {
  return {
    client,
    nodes: [],
    hostIP: '127.0.0.1',
    hostname: 'host',
    port: 10250,
    labels: { zone: 'a' },
    taints: [],
    capacity: { pods: '20' },
    os: 'linux',
    arch: 'amd64',
    version: 'v1.32.0-skiff',
    leaseDurationSeconds: 40,
    statusUpdateMs: 200,
    allowPrivileged: false,
    volumeDirs: dirs,
    clock: realClock,
    logger: silentLogger,
    relistPeriodMs: 100,
    ...over,
  };
}

/** nodeGets is how many GETs of a Node object (not a list, watch or subresource) the api-server has answered. */
async function nodeGets(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    if (/\bverb="GET"/.test(m[1]!) && /\bresource="nodes"/.test(m[1]!) && !/\bsubresource="[^"]/.test(m[1]!)) n += Number(m[2]);
  }
  return n;
}

function pod(name: string, node: string, spec: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'app', image: 'busybox:1.36' }], ...spec } };
}

describe('AgentProcess', () => {
  it('registers the node, renews its lease and marks it not ready on shutdown', async () => {
    const agent = new AgentProcess(options({ nodes: [{ name: 'n1', runtime: new FakeRuntime({ clock: realClock }) }] }));
    await agent.start();
    const node = await client.nodes.get('n1');
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', zone: 'a' });
    expect(node.status?.capacity).toMatchObject({ cpu: '4', pods: '20' });
    expect(node.status?.allocatable).toMatchObject({ pods: '20' });
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toBe('fake://1.0.0');
    expect(node.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual(['DiskPressure=False', 'MemoryPressure=False', 'PIDPressure=False', 'Ready=True']);
    const lease = await client.leases.get('n1', { namespace: 'kube-node-lease' });
    expect(lease.spec?.holderIdentity).toBe('n1');
    expect(lease.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'n1', uid: node.metadata.uid });
    await agent.stop();
    const after = await client.nodes.get('n1');
    expect(after.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletStopped' });
  });

  it('reads its Node from its watch of it: status ticks GET no Node, yet repair a Ready=Unknown set by another', async () => {
    const agent = new AgentProcess(options({ nodes: [{ name: 'nw1', runtime: new FakeRuntime({ clock: realClock }) }], statusUpdateMs: 100 }));
    agents.push(agent);
    await agent.start();
    const before = await nodeGets();
    // What the node lifecycle controller does when a Lease lapses (read with a LIST, which nodeGets does not count);
    // only the agent's status tick sets Ready back.
    const list = await client.nodes.list({ fieldSelector: 'metadata.name=nw1' });
    const conditions = (list.items[0]?.status?.conditions ?? []).map((c): NodeCondition => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    const unknown = await client.nodes.patch<Node>('nw1', { status: { conditions } }, { subresource: 'status' });
    expect(unknown.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    await waitFor(
      async () => {
        const node = (await client.nodes.list({ fieldSelector: 'metadata.name=nw1' })).items[0];
        const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
        return Number(node?.metadata.resourceVersion) > Number(unknown.metadata.resourceVersion) && ready?.reason === 'KubeletReady' ? true : undefined;
      },
      { what: 'the agent to set Ready back after the Unknown' },
    );
    expect(await nodeGets()).toBe(before);
  });

  it('renews its Leases on the heartbeat client while every connection of the main client is busy', async () => {
    // One connection, held by a watch read as a plain GET: everything else sent on `busy` queues behind it.
    const busy = createClient({ server: server.url, connections: 1 });
    const heartbeatClient = createClient({ server: server.url });
    const agent = new AgentProcess(options({ client: busy, heartbeatClient, leaseDurationSeconds: 2, nodes: [{ name: 'n1', runtime: new FakeRuntime({ clock: realClock }) }] }));
    agents.push(agent);
    await agent.start();
    heldClients.push(busy, heartbeatClient);
    void busy.raw('GET', '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=60').catch(() => undefined);
    const renewTime = async () => (await client.leases.get('n1', { namespace: 'kube-node-lease' })).spec?.renewTime;
    const first = await waitFor(renewTime, { what: 'the first renewal' });
    await waitFor(async () => ((await renewTime()) !== first ? true : undefined), { what: 'a renewal while the main client is busy', timeoutMs: 20_000 });
  });

  it('runs a pod, reports status once per change, restarts a crash and finishes a graceful delete', async () => {
    const rt = new FakeRuntime({ clock: realClock, images: ['busybox:1.36'] });
    const agent = new AgentProcess(options({ nodes: [{ name: 'n1', runtime: rt }] }));
    agents.push(agent);
    await agent.start();
    await client.pods.create(pod('web', 'n1', { containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] }));
    const running = await waitFor(async () => {
      const p = await client.pods.get('web', { namespace: 'default' });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(running.status?.podIP).toMatch(/^10\.88\.0\./);
    expect(running.status?.hostIP).toBe('127.0.0.1');
    expect(running.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0 });
    expect(running.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const env = rt.find('web', 'app')?.config?.env ?? [];
    expect(env).toContainEqual({ name: 'ME', value: 'web' });
    // Every container also gets the api-server's `kubernetes` Service, as kubelet gives it.
    expect(env).toContainEqual({ name: 'KUBERNETES_SERVICE_HOST', value: '10.244.128.1' });
    // Nothing changes now, yet every relist wakes the pod's worker: count relists (runtime lists) instead of
    // sleeping. A few let the writes of the start settle; several more must add none.
    const relists = vi.spyOn(rt, 'list');
    await waitFor(() => relists.mock.calls.length >= 3, { what: 'three relists' });
    const writes = agent.nodes.get('n1')!.runner.status.writes;
    await waitFor(() => relists.mock.calls.length >= 10, { what: 'seven more relists' });
    expect(agent.nodes.get('n1')!.runner.status.writes).toBe(writes);
    relists.mockRestore();

    rt.exit('web', 'app', 2);
    const restarted = await waitFor(async () => {
      const p = await client.pods.get('web', { namespace: 'default' });
      const cs = p.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state?.running ? p : undefined;
    });
    expect(restarted.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });

    await client.pods.delete('web', { namespace: 'default', gracePeriodSeconds: 7 });
    await waitFor(async () => {
      try {
        await client.pods.get('web', { namespace: 'default' });
        return undefined;
      } catch {
        return true;
      }
    });
    expect(rt.containers.size).toBe(0);
    expect(rt.calls).toContain('stop default/web/app grace=7');
  });

  it('removes containers of pods no longer bound on start, and adopts those still bound', async () => {
    const rt = new FakeRuntime({ clock: realClock, images: ['busybox:1.36'] });
    const first = new AgentProcess(options({ nodes: [{ name: 'n1', runtime: rt }] }));
    await first.start();
    await client.pods.create(pod('keep', 'n1'));
    await waitFor(async () => (await client.pods.get('keep', { namespace: 'default' })).status?.phase === 'Running');
    await first.stop(false);
    await rt.createSandbox({ pod: { uid: 'gone-uid', namespace: 'default', name: 'gone' }, hostname: 'gone', ports: [], volumes: [] });
    const startsBefore = rt.calls.filter((c) => c.startsWith('start')).length;
    const second = new AgentProcess(options({ nodes: [{ name: 'n1', runtime: rt }] }));
    agents.push(second);
    await second.start();
    await waitFor(() => ![...rt.containers.values()].some((c) => c.pod.uid === 'gone-uid'));
    await second.idle();
    expect(rt.calls.filter((c) => c.startsWith('start')).length).toBe(startsBefore);
    expect([...rt.containers.values()].filter((c) => c.pod.name === 'keep' && c.state === 'running')).toHaveLength(2);
  });

  it('shows an image that cannot be pulled as ErrImagePull / ImagePullBackOff', async () => {
    const rt = new FakeRuntime({ clock: realClock, unpullable: ['nope:1'] });
    const agent = new AgentProcess(options({ nodes: [{ name: 'n1', runtime: rt }] }));
    agents.push(agent);
    await agent.start();
    await client.pods.create(pod('bad', 'n1', { containers: [{ name: 'app', image: 'nope:1' }] }));
    const p = await waitFor(async () => {
      const p = await client.pods.get('bad', { namespace: 'default' });
      const reason = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      return reason === 'ErrImagePull' || reason === 'ImagePullBackOff' ? p : undefined;
    });
    expect(p.status?.phase).toBe('Pending');
    const events = await client.events.list({ namespace: 'default' });
    expect(events.items.some((e) => e.reason === 'Failed' && e.involvedObject.name === 'bad')).toBe(true);
  });

  it('acts as many simulated nodes with one pod watch', async () => {
    const nodes = Array.from({ length: 20 }, (_, i) => ({ name: `sim-${i}`, runtime: new SimulatedRuntime({ clock: realClock, startDelayMs: 100, nodeIndex: i }) }));
    const agent = new AgentProcess(options({ nodes }));
    agents.push(agent);
    await agent.start();
    expect((await client.nodes.list()).items).toHaveLength(20);
    await waitFor(async () => (await client.leases.list({ namespace: 'kube-node-lease' })).items.length === 20);
    for (const i of [0, 7, 19]) await client.pods.create(pod(`p${i}`, `sim-${i}`));
    for (const i of [0, 7, 19]) {
      await waitFor(async () => (await client.pods.get(`p${i}`, { namespace: 'default' })).status?.phase === 'Running');
    }
  });

  it('writes the status of a starting pod once per change: ContainerCreating, then Running', async () => {
    const nodes = Array.from({ length: 4 }, (_, i) => ({ name: `sim-${i}`, runtime: new SimulatedRuntime({ clock: realClock, startDelayMs: 300, nodeIndex: i }) }));
    const agent = new AgentProcess(options({ nodes }));
    agents.push(agent);
    await agent.start();
    const names = Array.from({ length: 12 }, (_, i) => `w${i}`);
    await Promise.all(names.map((n, i) => client.pods.create(pod(n, `sim-${i % 4}`))));
    await waitFor(async () => (await client.pods.list({ namespace: 'default' })).items.filter((p) => p.status?.phase === 'Running').length === names.length, { what: 'every pod Running' });
    // Each relist wakes every pod's worker; let a few pass so that any write a sync still queues has happened.
    const relists = vi.spyOn(nodes[0]!.runtime, 'list');
    await waitFor(() => relists.mock.calls.length >= 5, { what: 'five relists' });
    relists.mockRestore();
    await agent.idle();
    const writes = nodes.reduce((sum, n) => sum + agent.nodes.get(n.name)!.runner.status.writes, 0);
    // At most two per pod (a pod already running at its first sync needs one); each sync that computes the
    // status again while the informer lags, or reads back the stored status without its null fields, wrote again.
    expect(writes).toBeLessThanOrEqual(2 * names.length);
    expect(writes).toBeGreaterThanOrEqual(names.length);
  });
});
