import { describe, expect, it } from 'vitest';
import type { Node } from './node.js';
import type { NodeSelectorRequirement } from './pod.js';
import { nodeSelectorRequirementMatches, nodeSelectorTermMatches } from './node-selector-term-matches.js';

const node = (name: string, labels: Record<string, string>): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } });
const req = (key: string, operator: NodeSelectorRequirement['operator'], values?: string[]): NodeSelectorRequirement => ({ key, operator, ...(values ? { values } : {}) });

describe('nodeSelectorRequirementMatches', () => {
  it.each([
    [req('disk', 'In', ['ssd', 'nvme']), 'ssd', true],
    [req('disk', 'In', ['ssd']), undefined, false],
    [req('disk', 'NotIn', ['ssd']), 'hdd', true],
    [req('disk', 'NotIn', ['ssd']), undefined, true],
    [req('disk', 'NotIn', ['ssd']), 'ssd', false],
    [req('disk', 'Exists'), '', true],
    [req('disk', 'Exists'), undefined, false],
    [req('disk', 'DoesNotExist'), undefined, true],
    [req('disk', 'DoesNotExist'), 'ssd', false],
    [req('gen', 'Gt', ['4']), '5', true],
    [req('gen', 'Gt', ['5']), '5', false],
    [req('gen', 'Lt', ['5']), '-3', true],
    [req('gen', 'Gt', ['4']), undefined, false],
    [req('gen', 'Gt', ['9007199254740993']), '9007199254740994', true],
    // Invalid requirements are parse errors in nodeaffinity, so they match nothing.
    [req('gen', 'Gt', ['4']), '5abc', false],
    [req('gen', 'Gt', ['4', '6']), '5', false],
    [req('disk', 'NotIn', []), 'ssd', false],
    [req('disk', 'Exists', ['ssd']), 'ssd', false],
  ])('%j on %s -> %s', (r, value, want) => {
    expect(nodeSelectorRequirementMatches(r, value)).toBe(want);
  });
});

describe('nodeSelectorTermMatches', () => {
  const n = node('n1', { disk: 'ssd', gen: '5' });

  it('ANDs label expressions and field expressions', () => {
    expect(nodeSelectorTermMatches({ matchExpressions: [req('disk', 'In', ['ssd']), req('gen', 'Gt', ['4'])] }, n)).toBe(true);
    expect(nodeSelectorTermMatches({ matchExpressions: [req('disk', 'In', ['ssd']), req('gen', 'Gt', ['5'])] }, n)).toBe(false);
    expect(nodeSelectorTermMatches({ matchExpressions: [req('disk', 'In', ['ssd'])], matchFields: [req('metadata.name', 'In', ['n1'])] }, n)).toBe(true);
    expect(nodeSelectorTermMatches({ matchFields: [req('metadata.name', 'NotIn', ['n1'])] }, n)).toBe(false);
  });

  it('matches nothing for an empty term', () => {
    expect(nodeSelectorTermMatches({}, n)).toBe(false);
  });

  it('takes only In/NotIn with one value on metadata.name in matchFields', () => {
    expect(nodeSelectorTermMatches({ matchFields: [req('metadata.name', 'Exists')] }, n)).toBe(false);
    expect(nodeSelectorTermMatches({ matchFields: [req('metadata.name', 'In', ['n1', 'n2'])] }, n)).toBe(false);
    expect(nodeSelectorTermMatches({ matchFields: [req('metadata.uid', 'In', ['n1'])] }, n)).toBe(false);
  });

  it('does not read inherited object members as labels', () => {
    expect(nodeSelectorTermMatches({ matchExpressions: [req('constructor', 'Exists')] }, n)).toBe(false);
    expect(nodeSelectorTermMatches({ matchExpressions: [req('constructor', 'DoesNotExist')] }, n)).toBe(true);
  });
});
