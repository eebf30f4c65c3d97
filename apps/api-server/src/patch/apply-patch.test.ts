import { describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { applyPatch, patchContentType } from './apply-patch.js';

describe('patchContentType', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/Strategic-Merge-Patch+JSON', 'strategic'],
    [' application/apply-patch+yaml ;charset=UTF-8', 'apply'],
    ['application/json', undefined],
    ['application/yaml', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j is %j', (ct, want) => {
    expect(patchContentType(ct)).toBe(want);
  });
});

describe('applyPatch', () => {
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'v1', ports: [{ containerPort: 80 }] }] } } },
  };

  it('dispatches each type to its engine', () => {
    const containers = [{ name: 'a', image: 'v2' }];
    const merged = applyPatch('merge', live, { spec: { template: { spec: { containers } } } }, 'Deployment') as typeof live;
    expect(merged.spec.template.spec.containers).toEqual(containers);
    const strategic = applyPatch('strategic', live, { spec: { template: { spec: { containers } } } }, 'Deployment') as typeof live;
    expect(strategic.spec.template.spec.containers).toEqual([{ name: 'a', image: 'v2', ports: [{ containerPort: 80 }] }]);
    const json = applyPatch('json', live, [{ op: 'replace', path: '/spec/replicas', value: 3 }], 'Deployment') as typeof live;
    expect(json.spec.replicas).toBe(3);
  });

  it('server-side apply strategic-merges the applied object onto the live one', () => {
    const applied = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { team: 'x' } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'v3' }] } } },
    };
    expect(applyPatch('apply', live, applied, 'Deployment')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', team: 'x' } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'v3', ports: [{ containerPort: 80 }] }] } } },
    });
  });

  it.each([
    ['merge', [1]],
    ['merge', 'text'],
    ['strategic', null],
    ['strategic', [{ op: 'add' }]],
    ['apply', 42],
    ['json', { op: 'add', path: '/a', value: 1 }],
  ] as const)('rejects a %s patch body %j with 400', (type, body) => {
    let err: unknown;
    try {
      applyPatch(type, live, body, 'Deployment');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
  });

  it('names the problem in the message', () => {
    expect(() => applyPatch('merge', live, [1], 'Deployment')).toThrow('invalid merge patch: the patch document must be a JSON object, got an array');
  });
});
