import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../__tests__/fixtures.js';
import { nodeInfo, snapshotOf } from '../__tests__/plugin-harness.js';
import { defaultPlugins } from '../plugins/default-registry.js';
import { fitErrorMessage } from './fit-error-message.js';
import { Framework } from './framework.js';

describe('fitErrorMessage', () => {
  it("counts reasons and sorts them as kube's FitError does", () => {
    expect(fitErrorMessage(3, [['Insufficient cpu'], ['node(s) had untolerated taint {k: v}'], ['Insufficient cpu']])).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.',
    );
    expect(fitErrorMessage(0, [])).toBe('0/0 nodes are available.');
  });
});

describe('Framework', () => {
  it('picks the best total and reports the winner and runner-up with per-plugin scores', () => {
    const fw = new Framework({ ...defaultPlugins(), random: () => 0.5 });
    const empty = nodeInfo(makeNode('empty'));
    const busy = nodeInfo(makeNode('busy'), [makePod('x', { cpu: '3', memory: '6Gi' })]);
    const result = fw.schedule(makePod('p', { cpu: '500m', memory: '1Gi' }), snapshotOf([busy, empty]));
    expect(result.fit).toBe(true);
    if (!result.fit) return;
    expect(result.node).toBe('empty');
    const { selected, runnerUp } = result.decision;
    expect(selected!.plugins.NodeResourcesFit).toEqual({ score: 87, weight: 1 });
    expect(selected!.plugins.TaintToleration).toEqual({ score: 100, weight: 3 });
    expect(runnerUp!.node).toBe('busy');
    expect(selected!.total).toBeGreaterThan(runnerUp!.total);
    expect(selected!.total).toBe(Object.values(selected!.plugins).reduce((s, p) => s + p.score * p.weight, 0));
  });

  it('samples large clusters with the adaptive percentage and rotates its starting node', () => {
    const fw = new Framework(defaultPlugins());
    expect(fw.numFeasibleNodesToFind(50)).toBe(50);
    expect(fw.numFeasibleNodesToFind(1000)).toBe(420);
    expect(fw.numFeasibleNodesToFind(5000)).toBe(500);
    const nodes = Array.from({ length: 200 }, (_, i) => nodeInfo(makeNode(`n${String(i).padStart(3, '0')}`)));
    const a = fw.schedule(makePod('a'), snapshotOf(nodes));
    const b = fw.schedule(makePod('b'), snapshotOf(nodes));
    expect(a.decision.nodes).toEqual({ total: 200, evaluated: 100, feasible: 100 });
    expect(b.decision.nodes.evaluated).toBe(100);
  });

  it('lists which filter rejected which nodes when nothing fits', () => {
    const fw = new Framework(defaultPlugins());
    const res = fw.schedule(makePod('p', { cpu: '1' }), snapshotOf([nodeInfo(makeNode('a', { cpu: '500m' })), nodeInfo(makeNode('b', { unschedulable: true }))]));
    expect(res.fit).toBe(false);
    if (res.fit) return;
    expect(res.decision.message).toBe('0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.');
    expect(res.rejectedBy).toEqual(new Set(['NodeResourcesFit', 'NodeUnschedulable']));
    expect(res.decision.filtered.map((f) => [f.plugin, f.nodes])).toEqual([['NodeResourcesFit', ['a']], ['NodeUnschedulable', ['b']]]);
  });
});
