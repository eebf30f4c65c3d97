import { describe, expect, it } from 'vitest';
import { decodeObject } from './decode-object.js';
import { findDuplicateJsonFields, type JsonTextShape } from './duplicate-fields.js';
import { isPlainJson, rememberPlainJson } from './plain-json.js';

const shapeOf = (text: string): JsonTextShape => {
  const shape: JsonTextShape = { depth: -1, nulls: true, protoKey: true };
  findDuplicateJsonFields(text, shape);
  return shape;
};

describe('findDuplicateJsonFields: the shape of the text', () => {
  it('counts the containers open at once and sees null values and __proto__ keys, not strings that spell them', () => {
    expect(shapeOf('{"a":[1,{"b":[]}],"c":{}}')).toEqual({ depth: 4, nulls: false, protoKey: false });
    expect(shapeOf('"x"')).toEqual({ depth: 0, nulls: false, protoKey: false });
    expect(shapeOf('{"null":"null","s":"__proto__","n":"[[[["}')).toEqual({ depth: 1, nulls: false, protoKey: false });
    expect(shapeOf('{"a":[true,false,null]}')).toEqual({ depth: 2, nulls: true, protoKey: false });
    expect(shapeOf('{"a":{"__proto__":1}}').protoKey).toBe(true);
    expect(shapeOf('{"a":{"__proto\\u005f_":1}}').protoKey).toBe(true);
  });

  it('stops once more containers are open than asked', () => {
    const shape: JsonTextShape = { depth: 0, nulls: false, protoKey: false };
    findDuplicateJsonFields(`${'['.repeat(5000)}null${']'.repeat(5000)}`, shape, 10);
    expect(shape).toEqual({ depth: 11, nulls: false, protoKey: false });
  });
});

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd', labels: { app: 'x' }, annotations: { note: 'null' }, managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', time: '2026-12-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } } }] }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', bogus: 1, resources: { requests: { cpu: 0.5, memory: '16Mi' } }, env: [{ name: 'E', value: 'v' }] }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-01T00:00:00Z' }], containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-01T00:00:00Z' } } }] } };
const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } }, extra: { x: 1 } };
const service = { kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http' }], type: 'ClusterIP' } };
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'null', b: '{}' } };
const revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { spec: { template: { metadata: { labels: { a: 'b' } } } } } };

describe('decodeObject of a plain JSON body', () => {
  const cases: [string, unknown][] = [['pods', pod], ['deployments', deployment], ['services', service], ['configmaps', configMap], ['controllerrevisions', revision]];
  for (const [resource, object] of cases) {
    it(`decodes ${resource} as the general path does, leaving the body as it was`, () => {
      for (const fieldValidation of ['Warn', 'Ignore'] as const) {
        const text = JSON.stringify(object);
        expect(shapeOf(text)).toMatchObject({ nulls: false, protoKey: false });
        const general = decodeObject(resource, JSON.parse(text), { fieldValidation });
        const body = JSON.parse(text);
        rememberPlainJson(body);
        expect(isPlainJson(body)).toBe(true);
        const plain = decodeObject(resource, body, { fieldValidation });
        expect(JSON.stringify(plain.object)).toBe(JSON.stringify(general.object));
        expect(plain.warnings).toEqual(general.warnings);
        expect(JSON.stringify(body)).toBe(text);
      }
    });
  }
});
