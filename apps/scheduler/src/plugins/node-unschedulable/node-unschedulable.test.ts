import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { NodeReady } from '../node-ready/node-ready.js';
import { NodeName } from '../node-name/node-name.js';
import { NodeUnschedulable } from './node-unschedulable.js';

describe('NodeUnschedulable', () => {
  const plugin = new NodeUnschedulable();
  it('rejects cordoned nodes unless the pod tolerates the unschedulable taint', () => {
    const node = nodeInfo(makeNode('n', { unschedulable: true }));
    expect(plugin.filter(stateFor(makePod('p')), node).reasons).toEqual(['node(s) were unschedulable']);
    const tolerant = makePod('t', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
    expect(plugin.filter(stateFor(tolerant), node).code).toBe('Success');
    expect(plugin.filter(stateFor(makePod('p')), nodeInfo(makeNode('m'))).code).toBe('Success');
  });
});

describe('NodeReady', () => {
  it('rejects nodes whose Ready condition is not True', () => {
    const plugin = new NodeReady();
    expect(plugin.filter(stateFor(makePod('p')), nodeInfo(makeNode('n', { ready: false }))).reasons).toEqual(['node(s) were not ready']);
    expect(plugin.filter(stateFor(makePod('p')), nodeInfo(makeNode('n'))).code).toBe('Success');
  });
});

describe('NodeName', () => {
  it('keeps a pod that names a node off every other node', () => {
    const plugin = new NodeName();
    const pod = makePod('p', { spec: { nodeName: 'a' } });
    expect(plugin.filter(stateFor(pod), nodeInfo(makeNode('a'))).code).toBe('Success');
    expect(plugin.filter(stateFor(pod), nodeInfo(makeNode('b'))).reasons).toEqual(["node(s) didn't match the requested node name"]);
  });
});
