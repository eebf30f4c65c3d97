import { describe, expect, it } from 'vitest';
import { compare, fieldSetOf, fromFieldsV1, isCanonicalFieldsV1, pathString, removePath, toFieldsV1 } from './field-set.js';
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

describe('isCanonicalFieldsV1', () => {
  // What it promises: true exactly when re-encoding the decoded tree gives the same JSON text (key order included).
  const reencodesTheSame = (tree: Record<string, unknown>): boolean => JSON.stringify(toFieldsV1(fromFieldsV1(tree))) === JSON.stringify(tree);
  const trees: Record<string, unknown>[] = [
    toFieldsV1(fieldSetOf(pod('busybox'), POD)),
    toFieldsV1(fieldSetOf(pod('busybox', { nodeName: 'n', tolerations: [{ key: 'k', operator: 'Exists' }] }), POD)),
    {},
    { 'f:spec': { 'f:b': {}, 'f:a': {} } },
    { 'f:spec': { 'f:a': {}, '.': {} } },
    { 'f:spec': { '.': {} } },
    { 'f:spec': { '.': { x: {} }, 'f:a': {} } },
    { '.': {}, 'f:spec': {} },
    { 'f:spec': { 'f:a': true } },
    { 'f:spec': { 'f:a': [] } },
    { 'f:spec': { 'f:a': {}, 'f:a\nf:b': {} } },
    { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
  ];

  it.each(trees.map((t) => [JSON.stringify(t), t] as const))('agrees with re-encoding for %s', (_name, tree) => {
    expect(isCanonicalFieldsV1(tree, true)).toBe(reencodesTheSame(tree));
  });
});
