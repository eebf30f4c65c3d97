import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { NodeResourcesFit } from './node-resources-fit.js';

describe('NodeResourcesFit', () => {
  const plugin = new NodeResourcesFit();

  it('fits requests against allocatable minus what bound pods request', () => {
    const node = nodeInfo(makeNode('n', { cpu: '2', memory: '1Gi' }), [makePod('x', { cpu: '1500m', memory: '512Mi' })]);
    expect(plugin.filter(stateFor(makePod('p', { cpu: '500m', memory: '512Mi' })), node).code).toBe('Success');
    expect(plugin.filter(stateFor(makePod('p', { cpu: '501m', memory: '513Mi' })), node)).toEqual({ code: 'Unschedulable', reasons: ['Insufficient cpu', 'Insufficient memory'] });
  });

  it('counts pods against the node pod limit', () => {
    const node = nodeInfo(makeNode('n', { pods: '1' }), [makePod('x')]);
    expect(plugin.filter(stateFor(makePod('p')), node).reasons).toEqual(['Too many pods']);
  });

  it('counts init containers as Kubernetes does: max(largest init container, sum of containers)', () => {
    const node = nodeInfo(makeNode('n', { cpu: '2' }));
    const pod = makePod('p', {
      spec: {
        initContainers: [{ name: 'init', image: 'x', resources: { requests: { cpu: '1500m' } } }],
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '500m' } } },
          { name: 'b', image: 'x', resources: { requests: { cpu: '500m' } } },
        ],
      },
    });
    expect(stateFor(pod).podInfo.requests.milliCpu).toBe(1500);
    expect(plugin.filter(stateFor(pod), node).code).toBe('Success');
    const big = { ...pod, spec: { ...pod.spec, initContainers: [{ name: 'init', image: 'x', resources: { requests: { cpu: '2500m' } } }] } };
    expect(plugin.filter(stateFor(big), node).reasons).toEqual(['Insufficient cpu']);
  });

  it('checks extended resources by name', () => {
    const node = nodeInfo(makeNode('n'));
    const pod = makePod('p', { spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { 'nvidia.com/gpu': '1' } } }] } });
    expect(plugin.filter(stateFor(pod), node).reasons).toEqual(['Insufficient nvidia.com/gpu']);
  });

  it('scores least-allocated higher for emptier nodes and most-allocated the other way', () => {
    const empty = nodeInfo(makeNode('a', { cpu: '4', memory: '4Gi' }));
    const busy = nodeInfo(makeNode('b', { cpu: '4', memory: '4Gi' }), [makePod('x', { cpu: '2', memory: '2Gi' })]);
    const state = stateFor(makePod('p', { cpu: '1', memory: '1Gi' }));
    expect(plugin.score(state, empty)).toBe(75);
    expect(plugin.score(state, busy)).toBe(25);
    const most = new NodeResourcesFit('MostAllocated');
    expect(most.score(state, empty)).toBe(25);
    expect(most.score(state, busy)).toBe(75);
  });

  it('uses the non-zero defaults (100m, 200Mi) when scoring pods without requests', () => {
    const node = nodeInfo(makeNode('n', { cpu: '1', memory: '2000Mi' }));
    expect(plugin.score(stateFor(makePod('p')), node)).toBe(Math.floor((90 + 90) / 2));
  });
});
