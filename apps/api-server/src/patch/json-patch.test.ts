import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { applyJsonPatch } from './json-patch.js';

function failure(target: unknown, ops: unknown): ApiError {
  try {
    applyJsonPatch(target, ops);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the patch to fail');
}

describe('applyJsonPatch', () => {
  // RFC 6902 Appendix A.
  it.each([
    ['A.1 add object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 move array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 test success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 add nested member', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignore unknown members', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escapes', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: [1] }, c: { b: [1] } }],
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
    ['add with null value', { a: 1 }, [{ op: 'add', path: '/b', value: null }], { a: 1, b: null }],
    ['test objects regardless of key order', { a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }], { a: { x: 1, y: 2 } }],
    [
      'client-node label patch',
      { metadata: { labels: { a: 'b' } } },
      [{ op: 'replace', path: '/metadata/labels', value: { app: 'web' } }, { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' }],
      { metadata: { labels: { app: 'web', 'app.kubernetes.io/name': 'x' } } },
    ],
  ])('%s', (_name, target, ops, want) => {
    expect(applyJsonPatch(target, ops)).toEqual(want);
  });

  it.each([
    ['A.9 test failure', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'testing value /baz failed'],
    ['A.12 add to nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'missing'],
    ['A.15 test string vs number', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 'testing value /~01 failed'],
    ['remove a missing key', { a: 1 }, [{ op: 'remove', path: '/b' }], 'nonexistent'],
    ['replace a missing key', { a: 1 }, [{ op: 'replace', path: '/b', value: 1 }], 'missing'],
    ['index out of bounds', { a: [1] }, [{ op: 'add', path: '/a/5', value: 1 }], 'out of bounds'],
    ['leading zero index', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 'invalid array index'],
    ['move into own child', { a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 'own child'],
    ['copy from a missing path', { a: 1 }, [{ op: 'copy', from: '/x', path: '/y' }], 'missing'],
  ])('%s is 422 Invalid', (_name, target, ops, detail) => {
    const err = failure(target, ops);
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toMatch(/^the server rejected our request due to an error in our request: /);
    expect(err.message).toContain(detail);
    expect(err.details?.causes?.[0]?.reason).toBe('UnexpectedServerResponse');
  });

  it.each([
    ['not an array', { op: 'add', path: '/a', value: 1 }],
    ['an operation that is not an object', ['add']],
    ['A.13 unknown op', [{ op: 'fly', path: '/a' }]],
    ['missing op', [{ path: '/a' }]],
    ['missing path', [{ op: 'remove' }]],
    ['path without a leading slash', [{ op: 'remove', path: 'a' }]],
    ['bad ~ escape', [{ op: 'remove', path: '/a~2' }]],
    ['add without value', [{ op: 'add', path: '/a' }]],
    ['move without from', [{ op: 'move', path: '/a' }]],
  ])('a malformed document (%s) is 400 BadRequest', (_name, ops) => {
    const err = failure({ a: 1 }, ops);
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
  });

  it('applies nothing when a later operation fails', () => {
    const target = { a: 1 };
    failure(target, [{ op: 'add', path: '/b', value: 2 }, { op: 'test', path: '/a', value: 2 }]);
    expect(target).toEqual({ a: 1 });
  });

  it('never mutates its inputs and does not alias patch values', () => {
    const target = { list: [1, 2], obj: { k: 'v' } };
    const value = { deep: [1] };
    const ops = [
      { op: 'add', path: '/list/-', value },
      { op: 'remove', path: '/obj/k' },
      { op: 'move', from: '/list/0', path: '/moved' },
    ];
    const before = structuredClone({ target, ops });
    const out = applyJsonPatch(target, ops) as { list: [number, { deep: number[] }] };
    expect({ target, ops }).toEqual(before);
    expect(out.list).toEqual([2, { deep: [1] }]);
    out.list[1]!.deep.push(2);
    expect(value.deep).toEqual([1]);
  });
});

describe('applyJsonPatch: bounded work', () => {
  it('refuses more than 10000 operations with 413 before applying any', () => {
    const err = failure({ a: 1 }, Array(10_001).fill({ op: 'test', path: '/a', value: 1 }));
    expect(err.code).toBe(413);
    expect(err.reason).toBe('RequestEntityTooLarge');
    expect(err.message).toBe('The allowed maximum operations in a JSON patch is 10000, got 10001');
    expect(applyJsonPatch({ a: 1 }, Array(10_000).fill({ op: 'test', path: '/a', value: 1 }))).toEqual({ a: 1 });
  });

  it('refuses copies adding more than 3 MiB in total with 422, before the copy that would pass it', () => {
    const doubling = Array.from({ length: 22 }, () => ({ op: 'copy', from: '/args', path: '/args/-' }));
    const err = failure({ args: ['x'.repeat(1200)] }, doubling);
    expect(err.code).toBe(422);
    expect(err.message).toMatch(/Unable to complete the copy, the accumulated size increase of copy exceeds the limit 3145728 bytes$/);
    // The first ten copies stay within the limit: each nests the list in itself, so 2^10 × 1.2 KB is 1.2 MB.
    const ok = applyJsonPatch({ args: ['x'.repeat(1200)] }, doubling.slice(0, 10));
    expect(JSON.stringify(ok).length).toBeGreaterThan(1024 * 1200);
  });

  it('counts every copy of the patch against one budget', () => {
    const big = 'x'.repeat(1024 * 1024 - 2); // 1 MiB as JSON, quotes included
    const three = Array.from({ length: 3 }, (_, i) => ({ op: 'copy', from: '/a', path: `/b${i}` }));
    expect(Object.keys(applyJsonPatch({ a: big }, three) as object)).toHaveLength(4);
    expect(failure({ a: big }, [...three, { op: 'copy', from: '/a', path: '/b3' }]).code).toBe(422);
  });
});
