import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { SelectorSpread } from '../selector-spread/selector-spread.js';
import { BalancedAllocation } from './balanced-allocation.js';

describe('BalancedAllocation', () => {
  it('prefers the node where cpu and memory use end up even', () => {
    const plugin = new BalancedAllocation();
    const cpuHeavy = nodeInfo(makeNode('a', { cpu: '4', memory: '4Gi' }), [makePod('x', { cpu: '3', memory: '1Gi' })]);
    const even = nodeInfo(makeNode('b', { cpu: '4', memory: '4Gi' }), [makePod('y', { cpu: '1', memory: '1Gi' })]);
    const state = stateFor(makePod('p', { cpu: '1', memory: '1Gi' }));
    expect(plugin.score(state, even)).toBe(100);
    expect(plugin.score(state, cpuHeavy)).toBe(75);
  });
});

describe('SelectorSpread', () => {
  it('scores nodes with fewer pods of the same owner higher', () => {
    const plugin = new SelectorSpread();
    const two = nodeInfo(makeNode('a'), [makePod('x', { owner: 'web' }), makePod('y', { owner: 'web' })]);
    const one = nodeInfo(makeNode('b'), [makePod('z', { owner: 'web' }), makePod('q', { owner: 'other' })]);
    const none = nodeInfo(makeNode('c'));
    const state = stateFor(makePod('p', { owner: 'web' }));
    const scores = [two, one, none].map((n) => plugin.score(state, n));
    plugin.normalize(state, scores);
    expect(scores).toEqual([0, 50, 100]);
  });
});
