import { describe, expect, it } from 'vitest';
import { ceilingOf } from './ceiling.mjs';

describe('ceilingOf', () => {
  it('counts every process a pod, the cores they could use, and the floor with the api-server at the echo', () => {
    const row = ceilingOf({ cpuSeconds: { api: 5.6, agent: 2.9, scheduler: 1.74, bench: 0.72 }, pods: 2000, requests: 16_000, cores: 2, echoMs: 0.105 });
    expect(row).toEqual({
      apiMsPerPod: 2.8,
      schedMsPerPod: 0.87,
      agentMsPerPod: 1.45,
      benchMsPerPod: 0.36,
      totalMsPerPod: 5.48,
      cores: 2,
      ceilingPerSec: 365, // 2,000 ms of CPU a second / 5.48 ms a pod
      requestsPerPod: 8,
      echoMsPerRequest: 0.105,
      floorMsPerPod: 3.52, // 0.87 + 1.45 + 0.36 + 8 x 0.105
      floorPerSec: 568,
    });
  });

  it('leaves the agent out of a run without one', () => {
    const row = ceilingOf({ cpuSeconds: { api: 2.4, scheduler: 1.2, bench: 0.4 }, pods: 2000, requests: 6000, cores: 4, echoMs: 0.1 });
    expect(row.agentMsPerPod).toBe('');
    expect(row.totalMsPerPod).toBe(2);
    expect(row.ceilingPerSec).toBe(2000);
    expect(row.floorMsPerPod).toBe(1.1); // 0.6 + 0.2 + 3 x 0.1
  });
});
