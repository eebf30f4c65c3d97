import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { ConfigObjectCache } from '../config/config-object-cache.js';
import { containerEnv } from './container-env.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } };

function objects(): ConfigObjectCache {
  const o = new ConfigObjectCache();
  o.setConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name: 'cm' }, data: { LEVEL: 'debug', 'bad=key': 'x', MODE: 'cm' }, binaryData: { BIN: b64('bin') } });
  o.setSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'ns', name: 'creds' }, data: { PASSWORD: b64('s3cr3t'), MODE: b64('secret') } });
  return o;
}

const resolve = (c: Partial<Container>, o = objects()) => containerEnv(pod, { name: 'c', ...c }, { fieldRef: (p) => `<${p}>`, objects: o });

describe('containerEnv', () => {
  it('reads keys of ConfigMaps and Secrets, envFrom first with its prefix, env after and winning', () => {
    const r = resolve({
      envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 'creds' }, prefix: 'S_' }],
      env: [
        { name: 'MODE', value: 'env' },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'LVL', valueFrom: { configMapKeyRef: { name: 'cm', key: 'LEVEL' } } },
        { name: 'BOTH', value: '$(LVL)-$(S_PASSWORD)' },
      ],
    });
    expect(Object.fromEntries(r.env.map((e) => [e.name, e.value]))).toEqual({
      LEVEL: 'debug',
      MODE: 'env',
      S_PASSWORD: 's3cr3t',
      S_MODE: 'secret',
      PW: 's3cr3t',
      LVL: 'debug',
      BOTH: 'debug-s3cr3t',
    });
    // binaryData is not read into env, as in kubelet; a key that cannot be a variable name is skipped with a warning.
    expect(r.warnings).toEqual(['Keys [bad=key] from the EnvFrom configMap ns/cm were skipped since they are considered invalid environment variable names.']);
  });

  it.each([
    [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, 'configmap "nope" not found'],
    [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, 'secret "nope" not found'],
    [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, "couldn't find key k in ConfigMap ns/cm"],
    [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, "couldn't find key k in Secret ns/creds"],
    [{ envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found'],
    [{ envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
  ] as Array<[Partial<Container>, string]>)('refuses a missing required object or key with kubelet\'s message: %j', (c, message) => {
    expect(() => resolve(c)).toThrow(expect.objectContaining({ reason: 'CreateContainerConfigError', message }));
  });

  it('leaves a variable unset when its optional source is missing', () => {
    const r = resolve({
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'missing', optional: true } } },
        { name: 'C', value: 'c' },
      ],
    });
    expect(r.env).toEqual([{ name: 'C', value: 'c' }]);
  });

  it("puts the Services' variables under envFrom and env, which win over them and may refer to them", () => {
    const serviceEnv = [
      { name: 'WEB_SERVICE_HOST', value: '10.96.0.10' },
      { name: 'MODE', value: 'service' },
      { name: 'LEVEL', value: 'service' },
    ];
    const r = containerEnv(
      pod,
      { name: 'c', envFrom: [{ configMapRef: { name: 'cm' } }], env: [{ name: 'MODE', value: 'env' }, { name: 'URL', value: 'http://$(WEB_SERVICE_HOST)/' }] },
      { fieldRef: (p) => `<${p}>`, objects: objects(), serviceEnv },
    );
    expect(Object.fromEntries(r.env.map((e) => [e.name, e.value]))).toEqual({ WEB_SERVICE_HOST: '10.96.0.10', MODE: 'env', LEVEL: 'debug', URL: 'http://10.96.0.10/' });
  });
});
