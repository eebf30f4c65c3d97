import { describe, expect, it } from 'vitest';
import type { ApiError } from '../status.js';
import { escapeFieldValue, FieldSelector, parseFieldSelector } from './field-selector.js';

function parseError(s: string): ApiError {
  try {
    parseFieldSelector(s);
  } catch (e) {
    expect((e as ApiError).reason).toBe('BadRequest');
    return e as ApiError;
  }
  throw new Error(`expected ${JSON.stringify(s)} to fail`);
}

describe('parseFieldSelector', () => {
  const pod = { 'metadata.name': 'web-1', 'spec.nodeName': 'node1', 'status.phase': 'Running' };

  it('supports =, == and != ANDed by commas', () => {
    expect(parseFieldSelector('spec.nodeName=node1').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName==node1').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=node1').matches(pod)).toBe(false);
    expect(parseFieldSelector('spec.nodeName=node1,status.phase!=Failed').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=node1,status.phase=Failed').matches(pod)).toBe(false);
  });

  it('reads a missing field as the empty string', () => {
    expect(parseFieldSelector('spec.nodeName=').matches({ 'spec.nodeName': '' })).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matches({})).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matches(pod)).toBe(false);
    expect(parseFieldSelector('spec.nodeName!=').matches({})).toBe(false);
    expect(parseFieldSelector('toString=').matches({})).toBe(true);
  });

  it('selects everything when empty', () => {
    const sel = parseFieldSelector('');
    expect(sel.empty).toBe(true);
    expect(sel.matches({})).toBe(true);
    expect(FieldSelector.everything().empty).toBe(true);
    expect(parseFieldSelector(',,').empty).toBe(true);
  });

  it('unescapes \\, \\= and \\\\ in values and escapes them back in toString', () => {
    const sel = parseFieldSelector('a=x\\,y\\=z\\\\w,b!=1');
    expect(sel.requirements).toEqual([
      { field: 'a', operator: '=', value: 'x,y=z\\w' },
      { field: 'b', operator: '!=', value: '1' },
    ]);
    expect(sel.matches({ a: 'x,y=z\\w', b: '2' })).toBe(true);
    expect(sel.toString()).toBe('a=x\\,y\\=z\\\\w,b!=1');
    expect(parseFieldSelector(sel.toString()).toString()).toBe(sel.toString());
    expect(escapeFieldValue('a,b=c\\')).toBe('a\\,b\\=c\\\\');
  });

  it('normalizes == to = and sorts terms in toString', () => {
    expect(parseFieldSelector('z==1,a!=2').toString()).toBe('a!=2,z=1');
  });

  it('reports exact matches for index lookups', () => {
    const sel = parseFieldSelector('status.phase!=Failed,spec.nodeName=node1');
    expect(sel.exactMatch('spec.nodeName')).toBe('node1');
    expect(sel.exactMatch('status.phase')).toBeUndefined();
  });

  it.each([
    ['novalue', "invalid selector: 'novalue'; can't understand 'novalue'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', "invalid field selector: unescaped character in value: '='"],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('rejects %j', (s, message) => {
    expect(parseError(s).message).toBe(message);
  });
});
