import { describe, expect, it } from 'vitest';
import { isBadRequest } from '../status.js';
import { labelSelectorToString, selectorFromLabelSelector } from './label-selector.js';
import { Selector } from './selector.js';

describe('selectorFromLabelSelector', () => {
  it('selects nothing for an absent spec and everything for {}', () => {
    expect(selectorFromLabelSelector(undefined).matches({ a: 'b' })).toBe(false);
    expect(selectorFromLabelSelector(undefined).empty).toBe(false);
    expect(selectorFromLabelSelector({}).matches({ a: 'b' })).toBe(true);
    expect(selectorFromLabelSelector({}).matches(undefined)).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).empty).toBe(true);
  });

  it('ANDs matchLabels with every matchExpressions operator', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'track', operator: 'NotIn', values: ['canary'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    const good = { app: 'web', env: 'prod', team: 'x' };
    expect(sel.matches(good)).toBe(true);
    expect(sel.matches({ ...good, app: 'db' })).toBe(false);
    expect(sel.matches({ ...good, env: 'dev' })).toBe(false);
    expect(sel.matches({ ...good, track: 'canary' })).toBe(false);
    expect(sel.matches({ ...good, track: 'stable' })).toBe(true);
    expect(sel.matches({ app: 'web', env: 'prod' })).toBe(false);
    expect(sel.matches({ ...good, legacy: '' })).toBe(false);
  });

  it('rejects invalid operators, keys and value counts with 400', () => {
    const bad = [
      { matchExpressions: [{ key: 'a', operator: 'Gt' as never, values: ['1'] }] },
      { matchExpressions: [{ key: 'a', operator: 'In' as const, values: [] }] },
      { matchExpressions: [{ key: 'a', operator: 'Exists' as const, values: ['x'] }] },
      { matchLabels: { 'bad key': 'x' } },
    ];
    for (const spec of bad) expect(() => selectorFromLabelSelector(spec)).toThrow(expect.objectContaining({ reason: 'BadRequest' }));
    try {
      selectorFromLabelSelector(bad[0]);
    } catch (e) {
      expect(isBadRequest(e)).toBe(true);
      expect((e as Error).message).toBe('"Gt" is not a valid label selector operator');
    }
  });
});

describe('labelSelectorToString', () => {
  it('renders the Scale status.selector form, sorted by key', () => {
    expect(labelSelectorToString({ matchLabels: { tier: 'fe', app: 'web' } })).toBe('app=web,tier=fe');
    expect(
      labelSelectorToString({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['qa', 'dev'] },
          { key: 'a', operator: 'DoesNotExist' },
          { key: 'b', operator: 'Exists' },
        ],
      }),
    ).toBe('!a,app=web,b,env notin (dev,qa)');
    expect(labelSelectorToString(undefined)).toBe('');
    expect(labelSelectorToString({})).toBe('');
  });
});

describe('Selector helpers', () => {
  it('everything matches all and nothing matches none', () => {
    expect(Selector.everything().matches({ x: 'y' })).toBe(true);
    expect(Selector.everything().empty).toBe(true);
    expect(Selector.nothing().matches({})).toBe(false);
    expect(Selector.nothing().matches(undefined)).toBe(false);
    expect(Selector.nothing().toString()).toBe('');
  });
});
