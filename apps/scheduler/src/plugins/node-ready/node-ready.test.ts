import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { stateFor } from '../../__tests__/plugin-harness.js';
import { SchedulerCache } from '../../cache/scheduler-cache.js';
import { NodeReady } from './node-ready.js';

describe('NodeReady', () => {
  const plugin = new NodeReady();

  it('follows the Ready condition through node updates in the cache', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1'));
    const state = stateFor(makePod('p'));
    expect(plugin.filter(state, cache.nodeInfo('n1')!).code).toBe('Success');
    cache.updateNode(makeNode('n1', { ready: false }));
    expect(plugin.filter(state, cache.nodeInfo('n1')!)).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were not ready'] });
    cache.updateNode(makeNode('n1'));
    expect(plugin.filter(state, cache.nodeInfo('n1')!).code).toBe('Success');
  });

  it('lets a pod through that tolerates the not-ready taint', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1', { ready: false }));
    const pod = makePod('ds', { spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }] } });
    expect(plugin.filter(stateFor(pod), cache.nodeInfo('n1')!).code).toBe('Success');
  });
});
