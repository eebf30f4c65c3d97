import { describe, expect, it } from 'vitest';
import { FakeClock } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import type { ContainerRuntime, ContainerStats, RuntimeContainer } from '../runtime/container-runtime.js';
import { ResourceSampler, type ContainerStatsReader } from './resource-sampler.js';

const pod = { uid: 'u1', namespace: 'default', name: 'p' };
const container = (id: string, name: string, state: RuntimeContainer['state'] = 'running', kind: RuntimeContainer['kind'] = 'container'): RuntimeContainer => ({
  id,
  kind,
  pod,
  containerName: name,
  restartCount: 0,
  state,
  image: 'busybox',
  imageId: 'sha',
});

/** setup: a runtime whose counters the test sets, and a relist result the test changes. */
function setup(cgroups?: ContainerStatsReader) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const counters = new Map<string, ContainerStats>();
  let listed: RuntimeContainer[] = [];
  const asked: string[] = [];
  const runtime = {
    stats: async (id: string) => {
      asked.push(id);
      const s = counters.get(id);
      if (!s) throw new Error('gone');
      return s;
    },
  } as unknown as ContainerRuntime;
  const sampler = new ResourceSampler({ nodeName: 'n1', runtime, clock, logger: silentLogger, containers: { uids: () => ['u1'], containersOf: () => listed }, ...(cgroups ? { cgroups } : {}) });
  return { clock, counters, sampler, asked, list: (l: RuntimeContainer[]) => (listed = l) };
}

describe('ResourceSampler', () => {
  it('reports a CPU rate from two samples of cumulative CPU time, and the node as the sum of its containers', async () => {
    const { clock, counters, sampler, asked, list } = setup();
    list([container('a', 'app'), container('b', 'side'), container('s', '', 'running', 'sandbox'), container('x', 'old', 'exited')]);
    const t0 = clock.now();
    counters.set('a', { timeMs: t0, cpuUsageCoreNanoSeconds: 1e9, memoryWorkingSetBytes: 10 << 20 });
    counters.set('b', { timeMs: t0, cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 1 << 20 });
    await sampler.sample();
    // One sample is no rate yet: neither the pod nor the node has usage.
    expect(sampler.summary()).toEqual({ node: { nodeName: 'n1' }, pods: [] });
    expect(asked.sort()).toEqual(['a', 'b']); // only running pod containers: no sandbox, no exited instance
    clock.advance(2000);
    counters.set('a', { timeMs: t0 + 2000, cpuUsageCoreNanoSeconds: 1e9 + 1e9, memoryWorkingSetBytes: 12 << 20 }); // half a core
    counters.set('b', { timeMs: t0 + 2000, cpuUsageCoreNanoSeconds: 2e7, memoryWorkingSetBytes: 1 << 20 }); // 10 millicores
    await sampler.sample();
    const s = sampler.summary();
    expect(s.pods).toHaveLength(1);
    expect(s.pods[0]!.containers.map((c) => [c.name, c.cpu.usageNanoCores, c.cpu.window, c.memory.workingSetBytes])).toEqual([
      ['app', 5e8, 2, 12 << 20],
      ['side', 1e7, 2, 1 << 20],
    ]);
    expect(s.pods[0]!.cpu.usageNanoCores).toBe(5.1e8);
    expect(s.node.cpu?.usageNanoCores).toBe(5.1e8);
    expect(s.node.cpu?.window).toBe(2);
    expect(s.node.memory?.workingSetBytes).toBe(13 << 20);
  });

  it('forgets a container that stopped or whose stats fail, and keeps a node with no containers at zero', async () => {
    const { clock, counters, sampler, list } = setup();
    list([container('a', 'app')]);
    counters.set('a', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 1 });
    await sampler.sample();
    clock.advance(1000);
    counters.set('a', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 1e6, memoryWorkingSetBytes: 1 });
    await sampler.sample();
    expect(sampler.summary().pods).toHaveLength(1);
    counters.delete('a');
    clock.advance(1000);
    await sampler.sample();
    expect(sampler.summary()).toMatchObject({ node: { cpu: { usageNanoCores: 0, window: 1 }, memory: { workingSetBytes: 0 } }, pods: [] });
  });

  it('keeps the last sample when the engine answers with one no newer (no division by zero)', async () => {
    const { clock, counters, sampler, list } = setup();
    list([container('a', 'app')]);
    counters.set('a', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 1 });
    await sampler.sample();
    clock.advance(1000);
    counters.set('a', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 1e8, memoryWorkingSetBytes: 1 });
    await sampler.sample();
    clock.advance(1000);
    await sampler.sample(); // same answer as before
    expect(sampler.summary().pods[0]!.containers[0]!.cpu.usageNanoCores).toBe(1e8);
  });

  it('reads each container from its cgroup first, asks the runtime only for those it cannot read, and counts rounds', async () => {
    const fromCgroup = new Map<string, ContainerStats>();
    const { clock, counters, sampler, asked, list } = setup({ read: async (id) => fromCgroup.get(id) });
    list([container('a', 'app'), container('b', 'side')]);
    fromCgroup.set('a', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 5 });
    counters.set('b', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 7 });
    await sampler.sample();
    clock.advance(1000);
    fromCgroup.set('a', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 2e8, memoryWorkingSetBytes: 5 });
    counters.set('b', { timeMs: clock.now(), cpuUsageCoreNanoSeconds: 1e8, memoryWorkingSetBytes: 7 });
    await sampler.sample();
    expect(asked).toEqual(['b', 'b']);
    expect(sampler.summary().pods[0]!.containers.map((c) => [c.name, c.cpu.usageNanoCores])).toEqual([
      ['app', 2e8],
      ['side', 1e8],
    ]);
    expect([sampler.rounds, sampler.cgroupSamples, sampler.runtimeSamples]).toEqual([2, 2, 2]);
  });
});
