import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { NodeAffinity } from './node-affinity.js';

const plugin = new NodeAffinity();
const ssd = nodeInfo(makeNode('ssd', { labels: { disk: 'ssd', gen: '5' } }));
const hdd = nodeInfo(makeNode('hdd', { labels: { disk: 'hdd', gen: '3' } }));

describe('NodeAffinity', () => {
  it('requires every nodeSelector label', () => {
    const pod = makePod('p', { spec: { nodeSelector: { disk: 'ssd' } } });
    expect(plugin.filter(stateFor(pod), ssd).code).toBe('Success');
    expect(plugin.filter(stateFor(pod), hdd)).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] });
  });

  it('ORs required terms and ANDs expressions, with In, NotIn, Exists, Gt and matchFields', () => {
    const pod = makePod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'disk', operator: 'In', values: ['nvme'] }] },
                { matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }, { key: 'disk', operator: 'Exists' }] },
              ],
            },
          },
        },
      },
    });
    expect(plugin.filter(stateFor(pod), ssd).code).toBe('Success');
    expect(plugin.filter(stateFor(pod), hdd).code).toBe('UnschedulableAndUnresolvable');
    const byName = makePod('q', {
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['ssd'] }] }] } } } },
    });
    expect(plugin.filter(stateFor(byName), ssd).code).not.toBe('Success');
    expect(plugin.filter(stateFor(byName), hdd).code).toBe('Success');
  });

  it('scores preferred terms by weight, normalised to 100', () => {
    const pod = makePod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 80, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
              { weight: 20, preference: { matchExpressions: [{ key: 'gen', operator: 'Exists' }] } },
            ],
          },
        },
      },
    });
    const state = stateFor(pod);
    const scores = [plugin.score(state, ssd), plugin.score(state, hdd)];
    expect(scores).toEqual([100, 20]);
    plugin.normalize(state, scores);
    expect(scores).toEqual([100, 20]);
  });
});
