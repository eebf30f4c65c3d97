import { describe, expect, it } from 'vitest';
import { compare, fieldSetOf, fromFieldsV1, pathString, removePath, toFieldsV1 } from './field-set.js';
import { fieldTypeOf } from './field-type.js';

const POD = fieldTypeOf('Pod');
const pod = (image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app: 'a' } },
  spec: { containers: [{ name: 'c', image, ports: [{ containerPort: 53, protocol: 'UDP' }] }], ...extra },
});

describe('field sets', () => {
  it('encodes map-list items by their keys, map entries as members, and round-trips through FieldsV1', () => {
    const set = fieldSetOf(pod('busybox'), POD);
    const v1 = toFieldsV1(set);
    expect(v1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"c"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":53,"protocol":"UDP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
          },
        },
      },
    });
    expect(fromFieldsV1(v1)).toEqual(set);
  });

  it('compares only what differs: a changed image is modified, an atomic map is added whole', () => {
    const c = compare(pod('busybox'), pod('busybox:1.36', { nodeSelector: { disk: 'ssd' } }), POD);
    expect([...c.modified].map(pathString)).toEqual(['.spec.containers[name="c"].image']);
    // PodSpec.nodeSelector is +mapType=atomic in k8s.io/api: one field, not one per key.
    expect([...c.added].map(pathString).sort()).toEqual(['.spec.nodeSelector']);
    expect(c.removed.size).toBe(0);
  });

  it('removes the list item a path names', () => {
    const obj = pod('busybox');
    obj.spec.containers.push({ name: 'd', image: 'x', ports: [] });
    removePath(obj, 'f:spec\nf:containers\nk:{"name":"d"}', POD);
    expect(obj.spec.containers.map((c) => c.name)).toEqual(['c']);
  });
});
