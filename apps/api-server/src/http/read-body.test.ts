import { describe, expect, it } from 'vitest';
import { ApiError, duplicateFieldsOf } from '@skiff/api';
import { MAX_BODY_BYTES, MAX_DEPTH, parseJson, parseYaml } from './read-body.js';
import { measureJson } from '../patch/json-value.js';

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an ApiError');
}

const arrays = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('parseJson', () => {
  it('accepts nesting up to MAX_DEPTH and refuses one level more with 400', () => {
    expect(() => parseJson(arrays(MAX_DEPTH))).not.toThrow();
    const err = failure(() => parseJson(arrays(MAX_DEPTH + 1)));
    expect(err.code).toBe(400);
    expect(err.message).toBe(`the request body is nested too deeply: exceeded max depth of ${MAX_DEPTH}`);
  });

  it('refuses exactly what the decoded walk (measureJson) refuses, though most texts skip that walk', () => {
    const objects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const mixed = (depth: number): string => `${'{"a":['.repeat(depth / 2)}{}${']}'.repeat(depth / 2)}`;
    // Numbers print longer than they are written (1e20 is 21 digits): the walk's count passes the limit first.
    const numbers = (n: number): string => `[${Array(n).fill('1e20').join(',')}]`;
    const texts = [arrays(MAX_DEPTH), arrays(MAX_DEPTH + 1), objects(MAX_DEPTH), objects(MAX_DEPTH + 1), mixed(MAX_DEPTH), mixed(MAX_DEPTH + 2),
      `{"s":"${'['.repeat(2 * MAX_DEPTH)}","n":null}`, numbers(1_000), numbers(78_000), numbers(140_000), numbers(200_000), `{"x":"${'y'.repeat(MAX_BODY_BYTES / 8)}"}`];
    for (const text of texts) {
      const m = measureJson(JSON.parse(text), MAX_BODY_BYTES, MAX_DEPTH);
      const expected = m.tooDeep ? 400 : m.tooLarge ? 413 : 0;
      let code = 0;
      try {
        parseJson(text);
      } catch (e) {
        code = (e as ApiError).code;
      }
      expect(code, text.slice(0, 40)).toBe(expected);
    }
  });

  it('records duplicate keys for the decoder', () => {
    const body = parseJson('{"metadata":{"name":"a","name":"b"}}');
    expect(body).toEqual({ metadata: { name: 'b' } });
    expect(duplicateFieldsOf(body)).toEqual([{ path: 'metadata.name', message: 'duplicate field "metadata.name"' }]);
  });
});

describe('parseYaml', () => {
  it('expands a few aliases', () => {
    expect(parseYaml('a: &x {k: v}\nb: *x\nc: [*x, *x]\n')).toEqual({ a: { k: 'v' }, b: { k: 'v' }, c: [{ k: 'v' }, { k: 'v' }] });
  });

  it('refuses a billion laughs with 400', () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const [i, k] of [...'bcdefghi'].entries()) lines.push(`${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`);
    const err = failure(() => parseYaml(lines.join('\n')));
    expect(err.code).toBe(400);
    expect(err.message).toBe('the request body is not valid YAML: document contains excessive aliasing (more than 100 alias expansions)');
  });

  it('refuses aliases that expand past 3 MiB with 413', () => {
    const err = failure(() => parseYaml(`a: &a "${'x'.repeat(100_000)}"\nb: [${Array(40).fill('*a').join(', ')}]\n`));
    expect(err.code).toBe(413);
    expect(err.message).toBe('Request entity too large: the decoded body exceeds the limit of 3145728 bytes');
  });

  it('refuses deep flow nesting with 400 instead of overflowing the stack', () => {
    const err = failure(() => parseYaml(`x: ${'['.repeat(100_000)}`));
    expect(err.code).toBe(400);
    expect(err.message).toBe('the request body is nested too deeply: exceeded max depth');
  });

  it('words duplicate keys as kube-apiserver does for YAML, in line order', () => {
    const body = parseYaml('metadata:\n  name: a\n  labels:\n    x: "1"\n    x: "2"\n  name: b\n');
    expect(body).toEqual({ metadata: { name: 'b', labels: { x: '2' } } });
    expect(duplicateFieldsOf(body).map((d) => d.message)).toEqual(['line 5: key "x" already set in map', 'line 6: key "name" already set in map']);
  });

  it('parses JSON bodies as JSON (what apply clients send) and YAML flow mappings as YAML', () => {
    const json = parseYaml('{"a":{"b":1,"b":2}}');
    expect(duplicateFieldsOf(json)).toEqual([{ path: 'a.b', message: 'duplicate field "a.b"' }]);
    expect(parseYaml('{a: 1, b: [x, ~, true, 0x10]}')).toEqual({ a: 1, b: ['x', null, true, 16] });
  });

  it('refuses more than one document and syntax errors with 400', () => {
    expect(failure(() => parseYaml('a: 1\n---\nb: 2\n')).code).toBe(400);
    expect(failure(() => parseYaml('a: [1, 2\n')).message).toMatch(/^the request body is not valid YAML: /);
  });
});
