import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { iso, newPod, T0 } from '../../testing/fixtures.js';
import type { PodUsage } from './metrics-client.js';
import { resourceReplicas } from './replica-calculator.js';

const options = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000 };

function pod(name: string, opts: { phase?: Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never; ready?: boolean; startedMs?: number; readySinceMs?: number } = {}): Pod {
  const p = newPod(name, undefined, { ready: opts.ready ?? true, nodeName: 'node-1' });
  p.spec.containers[0]!.resources = { requests: { cpu: '100m' } };
  p.status = {
    phase: opts.phase ?? 'Running',
    startTime: iso(opts.startedMs ?? -3_600_000),
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(opts.readySinceMs ?? -3_000_000) }],
  };
  return p;
}

const usage = (entries: Record<string, number>, atMs = T0): Map<string, PodUsage> => new Map(Object.entries(entries).map(([n, milli]) => [n, { milli, timestampMs: atMs, windowMs: 10_000 }]));
const calc = (current: number, pods: Pod[], u: Map<string, PodUsage>) => resourceReplicas({ currentReplicas: current, targetUtilization: 50, pods, usage: u, resource: 'cpu', nowMs: T0, options });

describe('resourceReplicas', () => {
  it('is ceil(ratio x ready pods) outside the tolerance, the current count inside it', () => {
    expect(calc(2, [pod('a'), pod('b')], usage({ a: 100, b: 60 }))).toEqual({ replicas: 4, utilization: 80, averageMilli: 80 });
    expect(calc(2, [pod('a'), pod('b')], usage({ a: 52, b: 56 })).replicas).toBe(2);
    expect(calc(4, [pod('a'), pod('b'), pod('c'), pod('d')], usage({ a: 10, b: 10, c: 10, d: 10 })).replicas).toBe(1);
  });

  it('counts a pod without a sample as idle on a scale-up, so it damps the step', () => {
    // Without "c": 2 x 100% = ratio 2 -> 4; with c at 0: (100+100+0)/300 = 66% -> ratio 1.32 -> ceil(1.32 x 3) = 4.
    expect(calc(3, [pod('a'), pod('b'), pod('c')], usage({ a: 100, b: 100 })).replicas).toBe(4);
    // Missing pods at the target on a scale-down: (10 + 50)/200 = 30% -> ratio 0.6 -> ceil(0.6 x 2) = 2: no change.
    expect(calc(2, [pod('a'), pod('b')], usage({ a: 10 })).replicas).toBe(2);
  });

  it('leaves pending and starting pods out of a scale-up and fails when no pod is measurable', () => {
    // A pod started a minute ago, ready for less than a sample window: unready, counted as idle on a scale-up.
    const starting = pod('s', { startedMs: -60_000, readySinceMs: -5000 });
    expect(calc(2, [pod('a'), starting], usage({ a: 100, s: 100 })).replicas).toBe(2);
    // The pending pod counts as idle: (100 + 0)/200 = 50%, exactly the target, so no step up.
    expect(calc(1, [pod('a'), pod('p', { phase: 'Pending' })], usage({ a: 100 })).replicas).toBe(1);
    expect(calc(1, [pod('a'), pod('p', { phase: 'Pending' })], usage({ a: 300 })).replicas).toBe(6); // 300/200 = 150%: ratio 3 over 2 pods
    expect(() => calc(1, [pod('p', { phase: 'Pending' })], usage({}))).toThrow('did not receive metrics for targeted pods (pods might be unready)');
    expect(() => calc(1, [], usage({}))).toThrow('no pods returned by selector while calculating replica count');
  });
});
