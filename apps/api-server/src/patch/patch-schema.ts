/**
 * @module The strategic-merge metadata of the kinds Skiff serves, read from their published OpenAPI schemas
 * (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`, `x-kubernetes-list-map-keys`), which the kinds'
 * zod schemas carry through `mapList`/`setList`. One source: what `kubectl explain` shows is what PATCH does.
 */
import { definitionName, KINDS, kindSchemas, REF_PREFIX, type JsonSchema, type Kind, type SchemaSet } from '@skiff/api';

/** ListStrategy says how a list field merges; a field without one is replaced wholesale. */
export type ListStrategy =
  /** A list of scalars merged as a set (finalizers). */
  | { readonly kind: 'set' }
  /** A list of objects merged element-wise by the values of `keys`; `defaults` fill absent key fields (port protocol). */
  | { readonly kind: 'map'; readonly keys: readonly [string, ...string[]]; readonly defaults?: Readonly<Record<string, unknown>> };

/** PatchField is the metadata of one field: its list strategy and the schema of its value or list elements. */
export interface PatchField {
  readonly list?: ListStrategy;
  readonly schema?: PatchSchema;
}

/** PatchSchema maps field names to their metadata; fields not listed merge as plain maps or replace as lists. */
export interface PatchSchema {
  readonly fields: Readonly<Record<string, PatchField>>;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** resolve follows `$ref` and the single-element `allOf` Kubernetes wraps a described `$ref` in. */
export function resolve(schema: JsonSchema | undefined, all: SchemaSet): JsonSchema | undefined {
  for (let s = schema, hops = 0; s && hops < 16; hops++) {
    const target = typeof s['$ref'] === 'string' ? s['$ref'] : (s['allOf'] as JsonSchema[] | undefined)?.[0]?.['$ref'];
    if (typeof target !== 'string') return s;
    s = all[target.slice(REF_PREFIX.length)];
  }
  return undefined;
}

function listStrategy(field: JsonSchema, element: JsonSchema | undefined): ListStrategy | undefined {
  const strategy = String(field['x-kubernetes-patch-strategy'] ?? '');
  if (!strategy.split(',').includes('merge')) return undefined;
  const mergeKey = field['x-kubernetes-patch-merge-key'];
  if (typeof mergeKey !== 'string') return { kind: 'set' };
  const mapKeys = field['x-kubernetes-list-map-keys'] as string[] | undefined;
  // kube's tag merges ports by containerPort alone; the list-map keys (with protocol, defaulting to TCP) keep
  // 53/TCP and 53/UDP apart, as server-side apply does.
  const keys = (mapKeys?.length ? mapKeys : [mergeKey]) as [string, ...string[]];
  const props = (element?.['properties'] as SchemaSet | undefined) ?? {};
  const defaults = Object.fromEntries(keys.flatMap((k) => (props[k]?.['default'] !== undefined ? [[k, props[k]['default']]] : [])));
  return Object.keys(defaults).length ? { kind: 'map', keys, defaults } : { kind: 'map', keys };
}

/** toPatchSchema walks an object schema; `seen` cuts recursive types (a field of a type being built merges plainly). */
function toPatchSchema(schema: JsonSchema | undefined, all: SchemaSet, seen: Set<JsonSchema>): PatchSchema | undefined {
  if (!schema || seen.has(schema)) return undefined;
  const props = schema['properties'] as SchemaSet | undefined;
  if (!props) return undefined;
  seen.add(schema);
  const fields: Record<string, PatchField> = {};
  for (const [name, raw] of Object.entries(props)) {
    const field = resolve(raw, all);
    if (!field) continue;
    const element = field['type'] === 'array' ? resolve(field['items'] as JsonSchema | undefined, all) : undefined;
    const list = listStrategy(field, element);
    const nested = toPatchSchema(element ?? field, all, seen);
    if (list || nested) fields[name] = { ...(list && { list }), ...(nested && { schema: nested }) };
  }
  seen.delete(schema);
  return Object.keys(fields).length ? { fields } : undefined;
}

/** patchSchemaOfKind derives a kind's patch schema from its OpenAPI components. */
export function patchSchemaOfKind(kind: Kind): PatchSchema {
  const all = kindSchemas(kind);
  const { group, version, kind: name } = kind.info;
  return toPatchSchema(all[definitionName(group, version, name)], all, new Set()) ?? { fields: {} };
}

const cache = new Map<string, PatchSchema>();

/**
 * patchSchemaFor returns the schema of the kind named `kind`; a kind not served as a whole object (Scale) still gets
 * ObjectMeta's list rules (ownerReferences by uid, finalizers as a set).
 */
export function patchSchemaFor(kind: string): PatchSchema {
  let schema = cache.get(kind);
  if (!schema) {
    const served = KINDS.find((k) => k.info.kind === kind);
    if (served) schema = patchSchemaOfKind(served);
    else {
      const all = kindSchemas(KINDS[0]);
      const meta = toPatchSchema(all[OBJECT_META], all, new Set());
      schema = { fields: meta ? { metadata: { schema: meta } } : {} };
    }
    cache.set(kind, schema);
  }
  return schema;
}
