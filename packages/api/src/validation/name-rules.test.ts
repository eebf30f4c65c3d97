import { describe, expect, it } from 'vitest';
import { isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isPercent, isQualifiedName, isValidLabelValue, isValidPortName, maskTrailingDash } from './name-rules.js';

describe('name rules', () => {
  it.each(['a', 'web-1', '0abc', 'a'.repeat(63)])('accepts DNS-1123 label %j', (v) => expect(isDNS1123Label(v)).toEqual([]));
  it.each(['', 'Web', '-a', 'a-', 'a.b', 'a_b'])('rejects DNS-1123 label %j', (v) => expect(isDNS1123Label(v).length).toBeGreaterThan(0));

  it('reports the label message with its examples and regex', () => {
    expect(isDNS1123Label('Web')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it.each(['example.com', 'a', 'web-1.default'])('accepts DNS-1123 subdomain %j', (v) => expect(isDNS1123Subdomain(v)).toEqual([]));
  it('rejects a bad subdomain with the Kubernetes message', () => {
    expect(isDNS1123Subdomain('Foo')).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(isDNS1123Subdomain('a.'.repeat(127) + 'a')).toEqual(['must be no more than 253 characters']);
  });

  it.each(['app', 'App.Name_1', 'example.com/tier', 'kubernetes.io/hostname'])('accepts qualified name %j', (v) => expect(isQualifiedName(v)).toEqual([]));
  it('explains what is wrong with a qualified name', () => {
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('example.com/')).toEqual(['name part must be non-empty']);
    expect(isQualifiedName('Bad_/x')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(isQualifiedName('a'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/with an optional DNS subdomain prefix and '\/'/);
    expect(isQualifiedName('-x')[0]).toMatch(/^name part must consist of alphanumeric characters/);
  });

  it.each(['', 'v1', 'a_b.c-d'])('accepts label value %j', (v) => expect(isValidLabelValue(v)).toEqual([]));
  it.each(['-a', 'a b', 'x'.repeat(64)])('rejects label value %j', (v) => expect(isValidLabelValue(v).length).toBeGreaterThan(0));

  it('checks env var names, port names and percents', () => {
    expect(isEnvVarName('MY_VAR.x-1')).toEqual([]);
    expect(isEnvVarName('1VAR').length).toBe(1);
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('80')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isPercent('25%')).toEqual([]);
    expect(isPercent('25')[0]).toMatch(/^a valid percent string/);
  });

  it('masks a trailing dash of generateName', () => {
    expect(isDNS1123Subdomain(maskTrailingDash('web-'))).toEqual([]);
  });
});
