import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { TaintToleration } from './taint-toleration.js';

const plugin = new TaintToleration();

describe('TaintToleration', () => {
  it('rejects NoSchedule and NoExecute taints the pod does not tolerate, naming the taint', () => {
    const node = nodeInfo(makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
    expect(plugin.filter(stateFor(makePod('p')), node)).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {dedicated: gpu}'] });
    const noExec = nodeInfo(makeNode('n', { taints: [{ key: 'x', effect: 'NoExecute' }] }));
    expect(plugin.filter(stateFor(makePod('p')), noExec).reasons).toEqual(['node(s) had untolerated taint {x: }']);
  });

  it('lets tolerating pods through and ignores PreferNoSchedule in the filter', () => {
    const node = nodeInfo(makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }] }));
    const pod = makePod('p', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
    expect(plugin.filter(stateFor(pod), node).code).toBe('Success');
  });

  it('scores nodes with fewer untolerated PreferNoSchedule taints higher', () => {
    const clean = nodeInfo(makeNode('a'));
    const soft = nodeInfo(makeNode('b', { taints: [{ key: 's', effect: 'PreferNoSchedule' }] }));
    const state = stateFor(makePod('p'));
    const scores = [plugin.score(state, clean), plugin.score(state, soft)];
    plugin.normalize(state, scores);
    expect(scores).toEqual([100, 0]);
  });
});
