import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { FakeClock } from '@skiff/controller-kit';
import type { PodRef } from '../container-runtime.js';
import { runRuntimeContract } from '../runtime.case.test.js';
import { SIMULATED_CPU_ANNOTATION, SimulatedRuntime, simulatedCpuMilli } from './simulated-runtime.js';

runRuntimeContract('SimulatedRuntime', {
  image: 'busybox:1.36',
  // Every image is present on a simulated node, so there is no missing image to test.
  make: () => {
    const clock = new FakeClock();
    // The default one-second start delay stays on: the contract waits for `running` and lets the clock run.
    return { runtime: new SimulatedRuntime({ clock }), settle: () => clock.advance(1_000) };
  },
  unstartable: (rt) => {
    (rt as SimulatedRuntime).badCommands.add('no-such-binary');
    return ['no-such-binary'];
  },
});

describe('SimulatedRuntime usage', () => {
  const ref = { uid: 'u1', namespace: 'default', name: 'web' };
  async function running(cpuMilliOf?: (pod: PodRef) => number | undefined) {
    const clock = new FakeClock();
    const rt = new SimulatedRuntime({ clock, startDelayMs: 0, ...(cpuMilliOf ? { cpuMilliOf } : {}) });
    const sb = await rt.createSandbox({ pod: ref, hostname: 'web', ports: [], volumes: [] });
    const id = await rt.startContainer(sb.id, { pod: ref, kind: 'container', name: 'c', restartCount: 0, image: 'busybox', env: [], mounts: [] });
    return { clock, rt, id };
  }

  it('accumulates CPU time at the rate the pod annotation says now, so a patch changes the next rate', async () => {
    let milli: number | undefined = 250;
    const { clock, rt, id } = await running(() => milli);
    const a = await rt.stats(id);
    clock.advance(10_000);
    const b = await rt.stats(id);
    // 10 s at 250m is 2.5 CPU-seconds.
    expect(b.cpuUsageCoreNanoSeconds - a.cpuUsageCoreNanoSeconds).toBe(2.5e9);
    milli = 10;
    clock.advance(10_000);
    const c = await rt.stats(id);
    expect(c.cpuUsageCoreNanoSeconds - b.cpuUsageCoreNanoSeconds).toBe(0.1e9);
    milli = undefined;
    clock.advance(1000);
    const d = await rt.stats(id);
    const rate = (d.cpuUsageCoreNanoSeconds - c.cpuUsageCoreNanoSeconds) / 1e6;
    expect(rate).toBeGreaterThanOrEqual(5);
    expect(rate).toBeLessThan(100);
  });

  it('reads skiff.dev/simulated-cpu as a quantity and ignores what is not one', () => {
    const pod = (v?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...(v !== undefined ? { annotations: { [SIMULATED_CPU_ANNOTATION]: v } } : {}) }, spec: { containers: [] } }) as Pod;
    expect(simulatedCpuMilli(pod('250m'))).toBe(250);
    expect(simulatedCpuMilli(pod('1.5'))).toBe(1500);
    expect(simulatedCpuMilli(pod('lots'))).toBeUndefined();
    expect(simulatedCpuMilli(pod())).toBeUndefined();
  });
});
