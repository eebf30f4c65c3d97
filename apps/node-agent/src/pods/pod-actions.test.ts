import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { computePodActions } from './pod-actions.js';
import { computePodStatus } from '../status/pod-status.js';
import type { RuntimeContainer } from '../runtime/container-runtime.js';

const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString();

function pod(over: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox:1.36' }], ...over },
  };
}

const ref = { uid: 'u1', namespace: 'default', name: 'p' };
function sandbox(state: RuntimeContainer['state'] = 'running'): RuntimeContainer {
  return { id: 'sb', kind: 'sandbox', pod: ref, containerName: '', restartCount: 0, state, image: 'pause', imageId: 'x', createdAt: iso(T0), ip: '10.0.0.2' };
}
function ctr(name: string, restartCount: number, state: RuntimeContainer['state'], exitCode?: number, finishedAt = T0, kind: 'container' | 'init' | 'ephemeral' = 'container'): RuntimeContainer {
  return {
    id: `${kind}-${name}-${restartCount}`,
    kind,
    pod: ref,
    containerName: name,
    restartCount,
    state,
    image: 'busybox',
    imageId: 'sha256:b',
    startedAt: iso(finishedAt - 1000),
    ...(state === 'exited' ? { exitCode: exitCode ?? 0, finishedAt: iso(finishedAt) } : {}),
  };
}

describe('computePodActions', () => {
  it('creates the sandbox and every container of a new pod', () => {
    const a = computePodActions({ pod: pod({ containers: [{ name: 'a' }, { name: 'b' }] }), observed: [], now: T0 });
    expect(a.createSandbox).toBe(true);
    expect(a.start).toEqual([
      { name: 'a', kind: 'container', restartCount: 0 },
      { name: 'b', kind: 'container', restartCount: 0 },
    ]);
  });

  it('does nothing for a steady pod', () => {
    const a = computePodActions({ pod: pod(), observed: [sandbox(), ctr('app', 0, 'running')], now: T0 });
    expect(a).toMatchObject({ killPod: false, createSandbox: false, start: [], kill: [], remove: [] });
  });

  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 1, false],
    ['Never', 0, false],
  ] as const)('restartPolicy %s with exit code %d restarts: %s', (policy, code, restarts) => {
    const a = computePodActions({ pod: pod({ restartPolicy: policy }), observed: [sandbox(), ctr('app', 0, 'exited', code)], now: T0 + 1 });
    expect(a.start.length > 0).toBe(restarts);
    if (restarts) expect(a.start[0]).toEqual({ name: 'app', kind: 'container', restartCount: 1 });
  });

  it('backs off 10 s, 20 s, 40 s ... up to 5 min (CrashLoopBackOff)', () => {
    for (const [rc, delay] of [[1, 10_000], [2, 20_000], [3, 40_000], [6, 300_000], [9, 300_000]] as const) {
      const observed = [sandbox(), ctr('app', rc, 'exited', 1, T0)];
      const early = computePodActions({ pod: pod(), observed, now: T0 + delay - 1 });
      expect(early.start).toEqual([]);
      expect(early.waiting['app']?.reason).toBe('CrashLoopBackOff');
      expect(early.retryAt).toBe(T0 + delay);
      const due = computePodActions({ pod: pod(), observed, now: T0 + delay });
      expect(due.start).toEqual([{ name: 'app', kind: 'container', restartCount: rc + 1 }]);
    }
  });

  it('kills a container whose liveness probe failed', () => {
    const a = computePodActions({ pod: pod(), observed: [sandbox(), ctr('app', 0, 'running')], now: T0, unhealthy: new Set(['app']) });
    expect(a.kill).toEqual([{ id: 'container-app-0', name: 'app', reason: 'Unhealthy' }]);
  });

  it('recreates a dead sandbox and restarts every container in it', () => {
    const a = computePodActions({ pod: pod(), observed: [sandbox('exited'), ctr('app', 2, 'running')], now: T0 });
    expect(a).toMatchObject({ killPod: true, createSandbox: true, remove: ['sb'], start: [{ name: 'app', kind: 'container', restartCount: 3 }] });
  });

  it('runs init containers one at a time, in order, before the app', () => {
    const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
    expect(computePodActions({ pod: p, observed: [], now: T0 }).start).toEqual([{ name: 'i1', kind: 'init', restartCount: 0 }]);
    expect(computePodActions({ pod: p, observed: [sandbox(), ctr('i1', 0, 'running', undefined, T0, 'init')], now: T0 }).start).toEqual([]);
    expect(computePodActions({ pod: p, observed: [sandbox(), ctr('i1', 0, 'exited', 0, T0, 'init')], now: T0 }).start).toEqual([{ name: 'i2', kind: 'init', restartCount: 0 }]);
    const done = [sandbox(), ctr('i1', 0, 'exited', 0, T0, 'init'), ctr('i2', 0, 'exited', 0, T0, 'init')];
    expect(computePodActions({ pod: p, observed: done, now: T0 }).start).toEqual([{ name: 'app', kind: 'container', restartCount: 0 }]);
  });

  it('fails the pod when an init container fails under restartPolicy Never', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i1' }] });
    const observed = [sandbox(), ctr('i1', 0, 'exited', 3, T0, 'init')];
    const a = computePodActions({ pod: p, observed, now: T0 + 1 });
    expect(a.start).toEqual([]);
    expect(a.killPod).toBe(true);
    expect(computePodStatus({ pod: p, observed, now: T0, hostIP: '1.2.3.4', waiting: {} }).phase).toBe('Failed');
  });

  it('replaces a container created but never started (agent killed in between) with the same instance', () => {
    const a = computePodActions({ pod: pod({ containers: [{ name: 'a' }, { name: 'b' }] }), observed: [sandbox(), ctr('a', 0, 'running'), ctr('b', 2, 'created')], now: T0 });
    expect(a.remove).toEqual(['container-b-2']);
    expect(a.start).toEqual([{ name: 'b', kind: 'container', restartCount: 2 }]);
    expect(a.waiting).toEqual({});
  });

  it('keeps the current and previous instance and removes older ones', () => {
    const observed = [sandbox(), ctr('app', 0, 'exited', 1), ctr('app', 1, 'exited', 1), ctr('app', 2, 'running')];
    expect(computePodActions({ pod: pod(), observed, now: T0 }).remove).toEqual(['container-app-0']);
  });

  it('stops everything of a finished pod and starts nothing', () => {
    const a = computePodActions({ pod: pod({ restartPolicy: 'Never' }), observed: [sandbox(), ctr('app', 0, 'exited', 0)], now: T0 });
    expect(a).toMatchObject({ killPod: true, createSandbox: false, start: [] });
  });
});

describe('computePodStatus', () => {
  it('keeps conditions it does not own (DisruptionTarget from an eviction) when the pod fails, and reports its own', () => {
    const evicted = pod({ restartPolicy: 'Never' });
    const disruption = { type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: iso(T0 - 1000) };
    evicted.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(T0 - 5000) }, disruption] };
    const s = computePodStatus({ pod: evicted, observed: [ctr('app', 0, 'exited', 137)], now: T0, hostIP: 'h', waiting: {} });
    expect(s.phase).toBe('Failed');
    expect(s.conditions?.find((c) => c.type === 'DisruptionTarget')).toEqual(disruption);
    expect(s.conditions?.filter((c) => c.type === 'Ready')).toEqual([{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastProbeTime: null, lastTransitionTime: expect.any(String) }]);
  });

  it('reports Running with pod IP, host IP and ready conditions', () => {
    const s = computePodStatus({ pod: pod(), observed: [sandbox(), ctr('app', 0, 'running')], now: T0, hostIP: '192.168.1.5', waiting: {} });
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.0.0.2');
    expect(s.podIPs).toEqual([{ ip: '10.0.0.2' }]);
    expect(s.hostIP).toBe('192.168.1.5');
    expect(s.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0, state: { running: {} } });
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('reports terminated reasons Completed, Error and OOMKilled with lastState', () => {
    const oom = { ...ctr('app', 1, 'exited', 137), oomKilled: true };
    const s = computePodStatus({ pod: pod({ restartPolicy: 'Never' }), observed: [sandbox(), ctr('app', 0, 'exited', 1), oom], now: T0, hostIP: 'h', waiting: {} });
    expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(s.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(s.phase).toBe('Failed');
    const ok = computePodStatus({ pod: pod({ restartPolicy: 'Never' }), observed: [ctr('app', 0, 'exited', 0)], now: T0, hostIP: 'h', waiting: {} });
    expect(ok.phase).toBe('Succeeded');
    expect(ok.containerStatuses?.[0]?.state?.terminated?.reason).toBe('Completed');
  });

  it('shows CrashLoopBackOff as waiting with the last termination, phase Running', () => {
    const s = computePodStatus({
      pod: pod(),
      observed: [sandbox(), ctr('app', 3, 'exited', 1)],
      now: T0,
      hostIP: 'h',
      waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off' } },
    });
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]).toMatchObject({ restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
  });

  it('counts a container with a startup probe as not started (and not ready) until the probe succeeded', () => {
    const p = pod({ containers: [{ name: 'app', startupProbe: { exec: { command: ['true'] } } }] });
    const input = { pod: p, observed: [sandbox(), ctr('app', 0, 'running')], now: T0, hostIP: '192.0.2.1', waiting: {} };
    const before = computePodStatus({ ...input, ready: new Map(), started: new Map() });
    expect(before.containerStatuses?.[0]).toMatchObject({ started: false, ready: false });
    const after = computePodStatus({ ...input, ready: new Map(), started: new Map([['app', true]]) });
    expect(after.containerStatuses?.[0]).toMatchObject({ started: true, ready: true });
  });

  it('keeps a reported terminated state, restart count and last termination when the runtime has no container any more', () => {
    const done = computePodStatus({ pod: pod({ restartPolicy: 'Never' }), observed: [sandbox(), ctr('app', 0, 'exited', 0)], now: T0, hostIP: 'h', waiting: {} });
    const finished: Pod = { ...pod({ restartPolicy: 'Never' }), status: done };
    // The agent restarted after its containers were removed (npm start's shutdown does that): nothing observed.
    const after = computePodStatus({ pod: finished, observed: [], now: T0 + 60_000, hostIP: 'h', waiting: {} });
    expect(after.phase).toBe('Succeeded');
    expect(after.containerStatuses?.[0]).toMatchObject({ state: { terminated: { exitCode: 0, reason: 'Completed' } }, ready: false });
    const crashed = computePodStatus({ pod: pod(), observed: [sandbox(), ctr('app', 2, 'exited', 1), ctr('app', 3, 'running')], now: T0, hostIP: 'h', waiting: {} });
    const recreating = computePodStatus({ pod: { ...pod(), status: crashed }, observed: [], now: T0 + 60_000, hostIP: 'h', waiting: {} });
    expect(recreating.containerStatuses?.[0]).toMatchObject({ restartCount: 3, state: { waiting: { reason: 'ContainerCreating' } }, lastState: { terminated: { exitCode: 1 } } });
  });

  it('is Pending with ContainerCreating before anything runs, and stable when nothing changes', () => {
    const first = computePodStatus({ pod: pod(), observed: [], now: T0, hostIP: 'h', waiting: {} });
    expect(first.phase).toBe('Pending');
    expect(first.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    const again = computePodStatus({ pod: { ...pod(), status: first }, observed: [], now: T0 + 5000, hostIP: 'h', waiting: {} });
    expect(again).toEqual(first);
  });
});

describe('ephemeral containers (kubectl debug)', () => {
  const debugPod = pod({ ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36', targetContainerName: 'app' }] });

  it('starts one once the app containers have started, in the running sandbox', () => {
    expect(computePodActions({ pod: debugPod, observed: [], now: T0 }).start.map((s) => s.kind)).toEqual(['container']);
    const a = computePodActions({ pod: debugPod, observed: [sandbox(), ctr('app', 0, 'running')], now: T0 });
    expect(a.start).toEqual([{ name: 'dbg', kind: 'ephemeral', restartCount: 0 }]);
  });

  it('never restarts one that exited, and keeps its instance (status and logs) instead of collecting it', () => {
    const observed = [sandbox(), ctr('app', 0, 'running'), ctr('dbg', 0, 'exited', 1, T0, 'ephemeral')];
    const a = computePodActions({ pod: debugPod, observed, now: T0 + 3_600_000 });
    expect(a.start).toEqual([]);
    expect(a.remove).toEqual([]);
    const st = computePodStatus({ pod: debugPod, observed, now: T0, hostIP: '10.0.0.1', waiting: {} });
    expect(st.ephemeralContainerStatuses).toEqual([expect.objectContaining({ name: 'dbg', ready: false, restartCount: 0, state: { terminated: expect.objectContaining({ exitCode: 1 }) } })]);
    expect(st.phase).toBe('Running');
  });
});
