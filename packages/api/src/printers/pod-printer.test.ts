import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod, PodStatus } from '../index.js';
import { summarizePod, podPrinter } from './pod-printer.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;

function pod(status: PodStatus, extra: Partial<Pod['spec']> = {}, deletionTimestamp?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(10 * MIN), ...(deletionTimestamp ? { deletionTimestamp } : {}) },
    spec: { containers: [{ name: 'a', image: 'nginx' }], ...extra },
    status,
  };
}

function cs(state: ContainerStatus['state'], more: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name: 'a', ready: false, restartCount: 0, image: 'nginx', imageID: '', state, ...more };
}

describe('summarizePod', () => {
  it('shows the phase of a pending, unscheduled pod', () => {
    expect(summarizePod(pod({ phase: 'Pending' }), NOW)).toEqual({ ready: '0/1', status: 'Pending', restarts: '0' });
  });

  it('shows ContainerCreating while the container waits', () => {
    const p = pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] });
    expect(summarizePod(p, NOW).status).toBe('ContainerCreating');
  });

  it('shows image pull failures', () => {
    expect(summarizePod(pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ErrImagePull' } })] }), NOW).status).toBe('ErrImagePull');
    expect(summarizePod(pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ImagePullBackOff' } })] }), NOW).status).toBe(
      'ImagePullBackOff',
    );
  });

  it('shows Running with ready count when containers run and are ready', () => {
    const p = pod(
      { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [cs({ running: {} }, { ready: true }), cs({ running: {} }, { name: 'b' })] },
      { containers: [{ name: 'a' }, { name: 'b' }] },
    );
    expect(summarizePod(p, NOW)).toEqual({ ready: '1/2', status: 'Running', restarts: '0' });
  });

  it('shows CrashLoopBackOff with restarts and the age of the latest termination', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        cs(
          { waiting: { reason: 'CrashLoopBackOff' } },
          { restartCount: 3, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } } },
        ),
      ],
    });
    expect(summarizePod(p, NOW)).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '3 (5m ago)' });
  });

  it('uses the most recent finishedAt across containers', () => {
    const p = pod(
      {
        phase: 'Running',
        containerStatuses: [
          cs({ running: {} }, { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(60 * MIN) } } }),
          cs({ running: {} }, { name: 'b', restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(95_000) } } }),
        ],
      },
      { containers: [{ name: 'a' }, { name: 'b' }] },
    );
    expect(summarizePod(p, NOW).restarts).toBe('3 (95s ago)');
  });

  it('shows terminated reasons, or the signal or exit code without one', () => {
    const term = (t: { exitCode: number; reason?: string; signal?: number }, phase: PodStatus['phase'] = 'Failed'): string =>
      summarizePod(pod({ phase, containerStatuses: [cs({ terminated: t })] }), NOW).status;
    expect(term({ exitCode: 0, reason: 'Completed' }, 'Succeeded')).toBe('Completed');
    expect(term({ exitCode: 1, reason: 'Error' })).toBe('Error');
    expect(term({ exitCode: 137, reason: 'OOMKilled' })).toBe('OOMKilled');
    expect(term({ exitCode: 137, signal: 9 })).toBe('Signal:9');
    expect(term({ exitCode: 2 })).toBe('ExitCode:2');
  });

  it('turns Completed back into Running or NotReady while another container runs', () => {
    const statuses = [cs({ terminated: { exitCode: 0, reason: 'Completed' } }), cs({ running: {} }, { name: 'b', ready: true })];
    const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] }, spec), NOW).status).toBe(
      'Running',
    );
    expect(summarizePod(pod({ phase: 'Running', containerStatuses: statuses }, spec), NOW).status).toBe('NotReady');
  });

  it('shows init container progress and failures', () => {
    const spec = { initContainers: [{ name: 'init' }] };
    const init = (state: ContainerStatus['state'], more: Partial<ContainerStatus> = {}): string =>
      summarizePod(pod({ phase: 'Pending', initContainerStatuses: [cs(state, { name: 'init', ...more })] }, spec), NOW).status;
    expect(init({ running: {} })).toBe('Init:0/1');
    expect(init({ waiting: { reason: 'PodInitializing' } })).toBe('Init:0/1');
    expect(init({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 2 })).toBe('Init:CrashLoopBackOff');
    expect(init({ terminated: { exitCode: 1, reason: 'Error' } })).toBe('Init:Error');
    expect(init({ terminated: { exitCode: 3 } })).toBe('Init:ExitCode:3');
  });

  it('counts init restarts while initializing', () => {
    const p = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          cs({ waiting: { reason: 'CrashLoopBackOff' } }, { name: 'init', restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } } }),
        ],
      },
      { initContainers: [{ name: 'init' }] },
    );
    expect(summarizePod(p, NOW).restarts).toBe('4 (2m ago)');
  });

  it('moves on to the regular containers once init containers finished', () => {
    const p = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { name: 'init' })],
        containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })],
      },
      { initContainers: [{ name: 'init' }] },
    );
    expect(summarizePod(p, NOW).status).toBe('ContainerCreating');
  });

  it('shows Terminating while a live pod is being deleted, but not for NodeLost or finished pods', () => {
    const deleting = ago(MIN);
    expect(summarizePod(pod({ phase: 'Running' }, {}, deleting), NOW).status).toBe('Terminating');
    expect(summarizePod(pod({ phase: 'Running', reason: 'NodeLost' }, {}, deleting), NOW).status).toBe('Unknown');
    expect(summarizePod(pod({ phase: 'Succeeded' }, {}, deleting), NOW).status).toBe('Succeeded');
  });

  it('prefers status.reason over the phase', () => {
    expect(summarizePod(pod({ phase: 'Failed', reason: 'Evicted' }), NOW).status).toBe('Evicted');
  });
});

describe('podPrinter', () => {
  it('prints the wide row with <none> for missing IP, node and gates', () => {
    expect(podPrinter.cells(pod({ phase: 'Pending' }) as never, NOW)).toEqual(['p', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('prints IP, node, nominated node and readiness gates', () => {
    const p = pod(
      { phase: 'Running', podIPs: [{ ip: '10.0.0.7' }], nominatedNodeName: 'n2', conditions: [{ type: 'example.com/lb', status: 'True' }] },
      { nodeName: 'n1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/other' }] },
    );
    expect(podPrinter.cells(p as never, NOW).slice(5)).toEqual(['10.0.0.7', 'n1', 'n2', '1/2']);
  });
});
