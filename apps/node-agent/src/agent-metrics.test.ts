import { afterAll, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { ClientEventRecorder, FakeClock, silentLogger } from '@skiff/controller-kit';
import { registerAgentMetrics } from './agent-metrics.js';
import { NodeRunner } from './node-runner.js';
import { FakeRuntime } from './runtime/fake/fake-runtime.js';
import { ConfigObjectCache } from './config/config-object-cache.js';
import { testVolumeDirs } from './__tests__/volume-dirs.js';

const dirs = testVolumeDirs();
afterAll(() => dirs.remove());

function runner(name: string, clock: FakeClock, rt: FakeRuntime): NodeRunner {
  return new NodeRunner({
    nodeName: name,
    hostIP: '192.0.2.1',
    objects: new ConfigObjectCache(),
    volumeDirs: dirs,
    runtime: rt,
    statusWriter: { patchStatus: async () => {} },
    finisher: { finishDelete: async () => {} },
    events: new ClientEventRecorder({ sink: { create: async () => ({}), patch: async () => ({}) }, component: 'kubelet', clock, logger: silentLogger, host: name }),
    clock,
    logger: silentLogger,
  });
}

async function scrape(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await registry.getMetricsAsJSON()) if (m.name.startsWith('skiff_node_agent_')) out[m.name] = m.values[0]?.value ?? NaN;
  return out;
}

describe('registerAgentMetrics', () => {
  it('sums relists, the container changes they found and busy pod workers over every node of the agent', async () => {
    const clock = new FakeClock();
    const rt1 = new FakeRuntime({ clock, images: ['busybox:1.36'] });
    const rt2 = new FakeRuntime({ clock, images: ['busybox:1.36'] });
    const nodes = [runner('n1', clock, rt1), runner('n2', clock, rt2)];
    const registry = new Registry();
    registerAgentMetrics(registry, () => nodes);
    expect(await scrape(registry)).toEqual({ skiff_node_agent_pods: 0, skiff_node_agent_pleg_relists_total: 0, skiff_node_agent_pleg_events_total: 0, skiff_node_agent_pod_workers_busy: 0, skiff_node_agent_stats_rounds_total: 0, skiff_node_agent_stats_round_seconds_total: 0, skiff_node_agent_stats_samples_total: 0 });

    const pod = { uid: 'uid-a', namespace: 'default', name: 'a' };
    const sb = await rt1.createSandbox({ pod, hostname: 'a', ports: [], volumes: [] });
    await rt1.startContainer(sb.id, { pod, kind: 'container', name: 'c', restartCount: 0, image: 'busybox:1.36', env: [], mounts: [] });
    await nodes[0]!.pleg.relist();
    await nodes[1]!.pleg.relist();
    expect(await scrape(registry)).toMatchObject({ skiff_node_agent_pleg_relists_total: 2, skiff_node_agent_pleg_events_total: 2 });

    // A relist that finds nothing new counts as a relist and adds no event; a failed one counts as neither.
    await nodes[0]!.pleg.relist();
    rt2.down = new Error('engine unreachable');
    await nodes[1]!.pleg.relist();
    expect(await scrape(registry)).toMatchObject({ skiff_node_agent_pleg_relists_total: 3, skiff_node_agent_pleg_events_total: 2 });

    rt1.exit('a', 'c', 1);
    await nodes[0]!.pleg.relist();
    expect(await scrape(registry)).toMatchObject({ skiff_node_agent_pleg_relists_total: 4, skiff_node_agent_pleg_events_total: 3 });

    // A pod worker held inside its sync (its container start waits on the engine) shows as busy until it ends.
    rt1.holdStarts = true;
    nodes[0]!.upsertPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default', uid: 'uid-b' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    await nodes[0]!.markSynced();
    await vi.waitFor(() => expect(rt1.held).toHaveLength(1));
    expect(await scrape(registry)).toMatchObject({ skiff_node_agent_pods: 1, skiff_node_agent_pod_workers_busy: 1 });
    rt1.held[0]!.release();
    await nodes[0]!.idle();
    expect(await scrape(registry)).toMatchObject({ skiff_node_agent_pod_workers_busy: 0 });
  });
});
