import { describe, expect, it } from 'vitest';
import { FieldErrors } from '../validation/field-errors.js';
import { base64Error, isConfigMapKey } from '../validation/config-key.js';
import { configMapKind, type ConfigMap } from './config-map.js';
import { secretKind, type Secret } from './secret.js';

const validateConfigMap = (cm: ConfigMap, e: FieldErrors, old?: ConfigMap) => configMapKind.validate!(cm, e, old);
const validateSecret = (s: Secret, e: FieldErrors, old?: Secret) => secretKind.validate!(s, e, old);
const defaultSecret = (s: Secret) => secretKind.defaults!(s);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const cm = (extra: Partial<ConfigMap>): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, ...extra });
const secret = (extra: Partial<Secret>): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, type: 'Opaque', ...extra });
const causes = (f: (e: FieldErrors) => void) => {
  const e = new FieldErrors();
  f(e);
  return e.causes.map((c) => `${c.field}: ${c.message}`);
};

describe('config keys', () => {
  it('follows IsConfigMapKey', () => {
    expect(isConfigMapKey('app.properties')).toEqual([]);
    expect(isConfigMapKey('a/b')[0]).toMatch(/^a valid config key must consist of alphanumeric characters/);
    expect(isConfigMapKey('..x')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('.')).toEqual(["must not be '.'"]);
    expect(isConfigMapKey('k'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });

  it('reads base64 as Go does', () => {
    expect(base64Error(b64('hello'))).toBeUndefined();
    expect(base64Error('aGVsbG8')).toBe('illegal base64 data at input byte 4');
    expect(base64Error('aGV*bG8=')).toBe('illegal base64 data at input byte 3');
    expect(base64Error('aG=sbG8=')).toBe('illegal base64 data at input byte 2');
  });
});

describe('validateConfigMap', () => {
  it('refuses bad keys, a key in both maps, and more than 1 MiB in all', () => {
    expect(causes((e) => validateConfigMap(cm({ data: { 'a b': 'x', dup: 'y' }, binaryData: { dup: b64('z') } }), e))).toEqual([
      expect.stringMatching(/^data\[a b\]: Invalid value: "a b": a valid config key/),
      'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
      'binaryData[dup]: Invalid value: "dup": duplicate of key present in data',
    ]);
    expect(causes((e) => validateConfigMap(cm({ data: { a: 'x'.repeat(600_000) }, binaryData: { b: b64('y'.repeat(600_000)) } }), e))).toEqual([': Too long: may not be more than 1048576 bytes']);
    expect(causes((e) => validateConfigMap(cm({ data: { a: 'x'.repeat(1024 * 1024) } }), e))).toEqual([]);
  });

  it('keeps an immutable ConfigMap as it is', () => {
    const old = cm({ data: { a: '1' }, immutable: true });
    expect(causes((e) => validateConfigMap(cm({ data: { a: '2' }, immutable: true }), e, old))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(causes((e) => validateConfigMap(cm({ data: { a: '1' } }), e, old))).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
    expect(causes((e) => validateConfigMap(cm({ data: { a: '1' }, immutable: true, metadata: { name: 'c', labels: { x: 'y' } } }), e, old))).toEqual([]);
  });
});

describe('Secrets', () => {
  it('merges stringData into data, its keys winning, and defaults the type', () => {
    const s = secret({ type: undefined, data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new' } });
    defaultSecret(s);
    expect(s).toEqual(secret({ type: 'Opaque', data: { a: b64('new'), b: b64('keep') } }));
  });

  it.each([
    ['kubernetes.io/tls', {}, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']],
    ['kubernetes.io/tls', { 'tls.crt': b64('c'), 'tls.key': b64('k') }, []],
    ['kubernetes.io/basic-auth', {}, ['data[username]: Required value', 'data[password]: Required value']],
    ['kubernetes.io/basic-auth', { password: '' }, []],
    ['kubernetes.io/dockerconfigjson', {}, ['data[.dockerconfigjson]: Required value']],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('[1]') }, ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": must be a JSON object']],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }, []],
    ['kubernetes.io/service-account-token', {}, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
    ['kubernetes.io/ssh-auth', {}, ['data[ssh-privatekey]: Required value']],
    ['example.com/custom', { anything: b64('x') }, []],
  ] as Array<[string, Record<string, string>, string[]]>)('type %s with %j', (type, data, want) => {
    expect(causes((e) => validateSecret(secret({ type, data }), e))).toEqual(want);
  });

  it('refuses more than 1 MiB of decoded data, and changing the type or an immutable Secret', () => {
    expect(causes((e) => validateSecret(secret({ data: { a: b64('x'.repeat(1024 * 1024 + 1)) } }), e))).toEqual(['data: Too long: may not be more than 1048576 bytes']);
    const old = secret({ data: { a: b64('1') }, immutable: true });
    expect(causes((e) => validateSecret(secret({ type: 'kubernetes.io/tls', data: { a: b64('2') }, immutable: true }), e, old))).toEqual([
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});
