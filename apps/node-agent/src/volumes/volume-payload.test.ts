import { describe, expect, it } from 'vitest';
import type { Pod, Volume } from '@skiff/api';
import { ConfigObjectCache } from '../config/config-object-cache.js';
import { volumePayload, type Payload } from './volume-payload.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', labels: { app: 'web', tier: 'front "end"' } },
  spec: { containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }] },
};
const objects = new ConfigObjectCache();
objects.setConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name: 'cm' }, data: { 'app.conf': 'x=1' }, binaryData: { 'logo.bin': b64('\u0001\u0002') } });
objects.setSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'ns', name: 's' }, data: { 'tls.key': b64('KEY'), 'tls.crt': b64('CRT') } });
const ctx = { objects, fieldRef: (p: string) => (p === 'metadata.name' ? 'p' : `<${p}>`), serviceAccountToken: (aud: string | undefined, exp: number) => `token:${aud}:${exp}` };

const files = (p: Payload) => Object.fromEntries([...p].map(([k, f]) => [k, [f.data.toString('utf8'), f.mode.toString(8)]]));
const payload = (v: Omit<Volume, 'name'>) => files(volumePayload(pod, { name: 'v', ...v }, ctx));

describe('volumePayload', () => {
  it('projects every key of a ConfigMap (data and binaryData) with the default mode 0644', () => {
    expect(payload({ configMap: { name: 'cm' } })).toEqual({ 'app.conf': ['x=1', '644'], 'logo.bin': ['\u0001\u0002', '644'] });
  });

  it('projects the items of a Secret at their paths, with their modes or defaultMode', () => {
    expect(payload({ secret: { secretName: 's', defaultMode: 0o400, items: [{ key: 'tls.key', path: 'private/key.pem', mode: 0o600 }, { key: 'tls.crt', path: 'cert.pem' }] } })).toEqual({
      'private/key.pem': ['KEY', '600'],
      'cert.pem': ['CRT', '400'],
    });
  });

  it.each([
    [{ configMap: { name: 'nope' } }, 'configmap "nope" not found'],
    [{ secret: { secretName: 'nope' } }, 'secret "nope" not found'],
    [{ configMap: { name: 'cm', items: [{ key: 'k', path: 'k' }] } }, 'configmap references non-existent config key: k'],
    [{ secret: { secretName: 's', items: [{ key: 'k', path: 'k' }] } }, 'references non-existent secret key: k'],
    [{ projected: { sources: [{ secret: { name: 'nope' } }] } }, 'secret "nope" not found'],
  ] as Array<[Omit<Volume, 'name'>, string]>)('refuses a missing required object or key with kubelet\'s message: %j', (v, message) => {
    expect(() => payload(v)).toThrow(message);
  });

  it('makes no files for an optional missing object or key', () => {
    expect(payload({ configMap: { name: 'nope', optional: true } })).toEqual({});
    expect(payload({ secret: { secretName: 's', optional: true, items: [{ key: 'k', path: 'k' }, { key: 'tls.crt', path: 'c' }] } })).toEqual({ c: ['CRT', '644'] });
  });

  it('writes downwardAPI fields, labels as sorted quoted lines, and container resources', () => {
    expect(
      payload({
        downwardAPI: {
          items: [
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' }, mode: 0o444 },
            { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory' } },
          ],
        },
      }),
    ).toEqual({ name: ['p', '644'], labels: ['app="web"\ntier="front \\"end\\""', '444'], mem: ['64Mi', '644'] });
  });

  it('merges the sources of a projected volume, service-account token included', () => {
    expect(
      payload({
        projected: {
          defaultMode: 0o440,
          sources: [
            { configMap: { name: 'cm', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
            { secret: { name: 's', items: [{ key: 'tls.crt', path: 'tls.crt' }] } },
            { configMap: { name: 'absent', optional: true } },
            { downwardAPI: { items: [{ path: 'podname', fieldRef: { fieldPath: 'metadata.name' } }] } },
            { serviceAccountToken: { path: 'token', audience: 'api', expirationSeconds: 600 } },
          ],
        },
      }),
    ).toEqual({ 'conf/app.conf': ['x=1', '440'], 'tls.crt': ['CRT', '440'], podname: ['p', '440'], token: ['token:api:600', '440'] });
  });
});
