import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch', () => {
  // RFC 7386 Appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, want) => {
    expect(applyMergePatch(target, patch)).toEqual(want);
  });

  it('does what kubectl scale and label send', () => {
    const deploy = { metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'a' }] } } } };
    expect(applyMergePatch(deploy, { spec: { replicas: 3 } })).toEqual({ ...deploy, spec: { ...deploy.spec, replicas: 3 } });
    expect(applyMergePatch(deploy, { metadata: { labels: { tier: null, env: 'prod' } } })).toEqual({
      ...deploy,
      metadata: { name: 'web', labels: { app: 'web', env: 'prod' } },
    });
  });

  it('never mutates its inputs and shares no structure with them', () => {
    const target = { a: { b: 1, keep: [1] }, gone: 1 };
    const patch = { a: { c: { d: [2] } }, gone: null };
    const before = structuredClone({ target, patch });
    const out = applyMergePatch(target, patch) as { a: { keep: number[]; c: { d: number[] } } };
    expect({ target, patch }).toEqual(before);
    out.a.keep.push(9);
    out.a.c.d.push(9);
    expect({ target, patch }).toEqual(before);
  });

  it('treats "__proto__" as an ordinary key', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});
