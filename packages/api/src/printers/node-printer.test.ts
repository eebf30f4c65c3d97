import { describe, expect, it } from 'vitest';
import type { Node } from '../index.js';
import { nodePrinter, nodeRoles, nodeStatus } from './node-printer.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

function node(over: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean } = {}): Node {
  const n: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node1', creationTimestamp: new Date(NOW - 30 * 3600_000).toISOString(), labels: over.labels ?? {} },
    spec: { unschedulable: over.unschedulable ?? false },
    status: {
      conditions: over.ready ? [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: over.ready }] : [],
      addresses: [
        { type: 'Hostname', address: 'node1' },
        { type: 'InternalIP', address: '10.1.0.4' },
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '6.8.0',
        osImage: 'Ubuntu 24.04 LTS',
        containerRuntimeVersion: 'skiff://0.1.0',
        kubeletVersion: 'v1.32.0-skiff',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
  return n;
}

describe('nodeStatus', () => {
  it('reads the Ready condition and appends SchedulingDisabled', () => {
    expect(nodeStatus(node({ ready: 'True' }))).toBe('Ready');
    expect(nodeStatus(node({ ready: 'False' }))).toBe('NotReady');
    expect(nodeStatus(node({ ready: 'Unknown' }))).toBe('NotReady');
    expect(nodeStatus(node())).toBe('Unknown');
    expect(nodeStatus(node({ ready: 'True', unschedulable: true }))).toBe('Ready,SchedulingDisabled');
  });
});

describe('nodeRoles', () => {
  it('collects node-role.kubernetes.io/* and kubernetes.io/role labels, sorted and unique', () => {
    const labels = {
      'node-role.kubernetes.io/worker': '',
      'node-role.kubernetes.io/control-plane': '',
      'kubernetes.io/role': 'worker',
      'node-role.kubernetes.io/': '',
      'kubernetes.io/hostname': 'node1',
    };
    expect(nodeRoles(node({ labels }))).toEqual(['control-plane', 'worker']);
  });
});

describe('nodePrinter', () => {
  it('prints the wide row', () => {
    expect(nodePrinter.cells(node({ ready: 'True' }) as never, NOW)).toEqual([
      'node1',
      'Ready',
      '<none>',
      '30h',
      'v1.32.0-skiff',
      '10.1.0.4',
      '<none>',
      'Ubuntu 24.04 LTS',
      '6.8.0',
      'skiff://0.1.0',
    ]);
  });

  it('prints roles and <unknown> for missing node info', () => {
    const n = node({ ready: 'True', labels: { 'node-role.kubernetes.io/control-plane': '' } });
    delete n.status?.nodeInfo;
    expect(nodePrinter.cells(n as never, NOW)).toEqual(['node1', 'Ready', 'control-plane', '30h', '<none>', '10.1.0.4', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});
