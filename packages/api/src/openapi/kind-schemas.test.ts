import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineKind } from '../kinds/kind.js';
import { anyKind } from '../kinds/kind.js';
import type { KubeObject } from '../meta.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { int, intOrString, mapList, quantity } from '../validation/schema-helpers.js';
import { definitionName, kindSchemas } from './kind-schemas.js';

// A kind nobody has written yet: what a later kind file gets from the generator without touching it.
interface Widget extends KubeObject {
  spec?: { parts?: { id: string; size?: number; weight?: string; slot?: number | string }[]; tree?: unknown };
}
const tree: z.ZodType = z.object({
  label: z.string().optional().describe('A label.'),
  get children() {
    return z.array(tree).optional();
  },
});
const widgetKind = defineKind({
  group: 'widgets.example.com',
  version: 'v1beta1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  schema: () =>
    z.object({
      apiVersion: z.literal('widgets.example.com/v1beta1'),
      kind: z.literal('Widget'),
      metadata: objectMetaSchema().default({}),
      spec: z
        .object({
          parts: mapList(z.object({ id: z.string().default(''), size: int().optional(), weight: quantity().optional(), slot: intOrString().optional() }), ['id'])
            .optional()
            .describe('The parts, by id.'),
          tree: tree.optional(),
        })
        .optional(),
    }) as unknown as z.ZodType<Widget>,
});

describe('kindSchemas', () => {
  const schemas = kindSchemas(anyKind(widgetKind));
  const name = definitionName('widgets.example.com', 'v1beta1', 'Widget');

  it('names a kind after its group package and version, and its List after it', () => {
    expect(name).toBe('io.k8s.api.widgets.v1beta1.Widget');
    expect(definitionName('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(definitionName('coordination.k8s.io', 'v1', 'Lease')).toBe('io.k8s.api.coordination.v1.Lease');
    expect(schemas[name]?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'widgets.example.com', version: 'v1beta1', kind: 'Widget' }]);
    expect(schemas[`${name}List`]?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'widgets.example.com', version: 'v1beta1', kind: 'WidgetList' }]);
  });

  it('publishes helpers as Kubernetes types and lists with their merge metadata, without zod decode defaults', () => {
    const spec = (schemas[name]!['properties'] as any).spec;
    const parts = spec.properties.parts;
    expect(parts).toMatchObject({ type: 'array', description: 'The parts, by id.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], 'x-kubernetes-patch-merge-key': 'id', 'x-kubernetes-patch-strategy': 'merge' });
    expect(parts.items.properties.id).toEqual({ type: 'string' });
    expect(parts.items.properties.size).toEqual({ type: 'integer', format: 'int32' });
    expect(parts.items.properties.weight).toEqual({ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
    expect(parts.items.properties.slot).toEqual({ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' });
    expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(schemas[name]!['properties']).toMatchObject({ apiVersion: { type: 'string' }, kind: { type: 'string' } });
  });

  it('turns a recursive type into a named schema that refers to itself', () => {
    const spec = (schemas[name]!['properties'] as any).spec;
    const ref: string = spec.properties.tree.$ref ?? spec.properties.tree.allOf?.[0]?.$ref;
    const target = schemas[ref.replace('#/components/schemas/', '')] as any;
    expect(target.properties.label).toEqual({ type: 'string', description: 'A label.' });
    expect(target.properties.children.items).toEqual({ $ref: ref });
  });
});
