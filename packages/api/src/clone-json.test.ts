import { describe, expect, it } from 'vitest';
import { cloneJson } from './clone-json.js';

describe('cloneJson', () => {
  it('copies nested objects and arrays without sharing any of them', () => {
    const v = { a: [{ b: 1 }, 'x', null], c: { d: { e: true } } };
    const c = cloneJson(v);
    expect(c).toEqual(v);
    expect(JSON.stringify(c)).toBe(JSON.stringify(v));
    expect(c.a).not.toBe(v.a);
    expect(c.a[0]).not.toBe(v.a[0]);
    expect(c.c.d).not.toBe(v.c.d);
  });

  it('keeps a "__proto__" key as an own property instead of setting the prototype', () => {
    const v = JSON.parse('{"__proto__":{"polluted":true},"k":1}') as Record<string, unknown>;
    const c = cloneJson(v);
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.keys(c)).toEqual(['__proto__', 'k']);
    expect(JSON.stringify(c)).toBe('{"__proto__":{"polluted":true},"k":1}');
  });
});
