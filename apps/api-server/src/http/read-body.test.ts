import { describe, expect, it } from 'vitest';
import { ApiError, duplicateFieldsOf } from '@skiff/api';
import { MAX_DEPTH, parseJson, parseYaml } from './read-body.js';

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
