import { describe, expect, it } from 'vitest';
import { ApiError, isBadRequest } from '../status.js';
import { parseLabelSelector } from './parse-label-selector.js';

const web = { app: 'web', tier: 'frontend' };

function parseError(s: string): ApiError {
  try {
    parseLabelSelector(s);
  } catch (e) {
    expect(isBadRequest(e)).toBe(true);
    return e as ApiError;
  }
  throw new Error(`expected ${JSON.stringify(s)} to fail`);
}

describe('parseLabelSelector', () => {
  it('selects everything for the empty string', () => {
    const sel = parseLabelSelector('');
    expect(sel.empty).toBe(true);
    expect(sel.matches(undefined)).toBe(true);
    expect(sel.toString()).toBe('');
    expect(parseLabelSelector('   ').empty).toBe(true);
  });

  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['app in (db,web)', true],
    ['app notin (web)', false],
    ['app notin (db)', true],
    ['app', true],
    ['!app', false],
    ['missing', false],
    ['!missing', true],
    ['missing!=x', true],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['  app = web ,  tier in ( frontend , x )  ', true],
  ])('%s matches %j: %s', (s, want) => {
    expect(parseLabelSelector(s).matches(web)).toBe(want);
  });

  it('treats absent labels as no labels', () => {
    expect(parseLabelSelector('!a').matches(undefined)).toBe(true);
    expect(parseLabelSelector('a').matches(undefined)).toBe(false);
    expect(parseLabelSelector('a!=b').matches(undefined)).toBe(true);
  });

  it('does not mistake inherited object members for labels', () => {
    expect(parseLabelSelector('constructor').matches({})).toBe(false);
    expect(parseLabelSelector('!toString').matches({})).toBe(true);
  });

  it('accepts empty values', () => {
    expect(parseLabelSelector('a=').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a=').matches({ a: 'x' })).toBe(false);
    expect(parseLabelSelector('a in (x,)').matches({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in ()').toString()).toBe('a in ()');
  });

  it('reads in and notin as ordinary names and values where a name or value belongs', () => {
    expect(parseLabelSelector('in=notin').matches({ in: 'notin' })).toBe(true);
    expect(parseLabelSelector('x in (in,notin)').matches({ x: 'in' })).toBe(true);
  });

  it('accepts prefixed keys', () => {
    const sel = parseLabelSelector('app.kubernetes.io/name=web,!kubernetes.io/hostname');
    expect(sel.matches({ 'app.kubernetes.io/name': 'web' })).toBe(true);
  });

  it('prints canonically: sorted by key, values sorted and deduplicated', () => {
    const sel = parseLabelSelector('z notin (b,a,b), !y, a==1, m in (q,p), k');
    expect(sel.toString()).toBe('a==1,k,m in (p,q),!y,z notin (a,b)');
    expect(sel.requirements.map((r) => r.key)).toEqual(['a', 'k', 'm', 'y', 'z']);
    expect(sel.requirements[0]).toMatchObject({ key: 'a', operator: '==', values: ['1'] });
    expect(parseLabelSelector(sel.toString()).toString()).toBe(sel.toString());
  });

  it.each([
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b', expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a (b)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a>1', "unable to parse requirement: operator '>' (gt, lt) is not supported"],
  ])('rejects %j with %j', (s, message) => {
    expect(parseError(s).message).toBe(message);
  });

  it('validates keys and values like kube', () => {
    expect(parseError('-a=b').message).toMatch(/^unable to parse requirement: key: Invalid value: "-a": name part must consist of alphanumeric/);
    expect(parseError(`${'k'.repeat(64)}=v`).message).toContain('name part must be no more than 63 characters');
    expect(parseError('Bad_Prefix/a=b').message).toContain('prefix part a lowercase RFC 1123 subdomain');
    expect(parseError('/a').message).toContain('prefix part must be non-empty');
    expect(parseError('a/b/c').message).toContain('a qualified name must consist of');
    expect(parseError('a=-b').message).toMatch(/values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/);
    expect(parseError(`a=${'v'.repeat(64)}`).message).toContain('must be no more than 63 characters');
    expect(parseError('a in (ok,b@d)').message).toContain('Invalid value: "b@d"');
    expect(parseLabelSelector(`${'k'.repeat(63)}=${'v'.repeat(63)}`).empty).toBe(false);
  });
});
