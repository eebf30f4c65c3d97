import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth, so equal data in any key order gives equal text', () => {
    const a = { b: 1, a: { d: [{ y: 2, x: 1 }], c: 'x' } };
    const b = { a: { c: 'x', d: [{ x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('is JSON.stringify for everything but key order: undefined, functions, toJSON, non-finite numbers, escapes', () => {
    const value = {
      u: undefined,
      f: () => 1,
      n: null,
      arr: [undefined, null, NaN, Infinity, 'q"\n\u2028', true],
      d: new Date(0),
      nested: { toJSON: () => ({ z: 1, a: 2 }) },
    };
    expect(canonicalJson(value)).toBe('{"arr":[null,null,null,null,"q\\"\\n\u2028",true],"d":"1970-01-01T00:00:00.000Z","n":null,"nested":{"a":2,"z":1}}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(canonicalJson('s')).toBe('"s"');
    expect(canonicalJson(undefined)).toBeUndefined();
  });

  it('drops null object fields with dropNulls (the api-server strips them), not null array items', () => {
    const status = { conditions: [{ type: 'Ready', lastProbeTime: null, status: 'True' }], podIPs: [null], nominatedNodeName: null };
    expect(canonicalJson(status, { dropNulls: true })).toBe('{"conditions":[{"status":"True","type":"Ready"}],"podIPs":[null]}');
    expect(canonicalJson(status)).toBe('{"conditions":[{"lastProbeTime":null,"status":"True","type":"Ready"}],"nominatedNodeName":null,"podIPs":[null]}');
  });
});
