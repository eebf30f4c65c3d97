import { describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { InterPodAntiAffinity } from './inter-pod-anti-affinity.js';

function antiAffine(name: string, app: string): Pod {
  return makePod(name, {
    labels: { app },
    spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } }] } } },
  });
}

describe('InterPodAntiAffinity', () => {
  const plugin = new InterPodAntiAffinity();
  it("keeps a pod off nodes running pods its required anti-affinity selects", () => {
    const taken = nodeInfo(makeNode('a'), [makePod('x', { labels: { app: 'db' } })]);
    const free = nodeInfo(makeNode('b'), [makePod('y', { labels: { app: 'web' } })]);
    const pod = antiAffine('p', 'db');
    const state = stateFor(pod, [taken, free]);
    expect(plugin.filter(state, taken).reasons).toEqual(["node(s) didn't match pod anti-affinity rules"]);
    expect(plugin.filter(state, free).code).toBe('Success');
  });

  it('respects the anti-affinity of pods already on the node (symmetry)', () => {
    const node = nodeInfo(makeNode('a'), [antiAffine('x', 'db')]);
    const other = nodeInfo(makeNode('b'));
    const state = stateFor(makePod('p', { labels: { app: 'db' } }), [node, other]);
    expect(plugin.filter(state, node).reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
    expect(plugin.filter(state, other).code).toBe('Success');
  });

  it('only looks in the pod namespace unless the term names others', () => {
    const node = nodeInfo(makeNode('a'), [makePod('x', { labels: { app: 'db' }, namespace: 'other' })]);
    expect(plugin.filter(stateFor(antiAffine('p', 'db'), [node]), node).code).toBe('Success');
  });
});
