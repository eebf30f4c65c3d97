/**
 * @module OpenAPI schemas of the served kinds, derived from the zod schemas that validate requests: one component
 * per kind and per List, plus every type a schema names with a zod `id` (ObjectMeta, Container, ...), under the
 * names Kubernetes publishes (`io.k8s.api.core.v1.Pod`).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { Kind } from '../kinds/kind.js';
import { listMetaSchema } from '../validation/meta-schema.js';
import { openapiTypes } from '../validation/schema-helpers.js';

export type JsonSchema = Record<string, unknown>;

/** SchemaSet is a group of named schemas whose `$ref`s point at `#/components/schemas/<name>`. */
export type SchemaSet = Record<string, JsonSchema>;

export const REF_PREFIX = '#/components/schemas/';

const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

// The TypeMeta and ObjectMeta field docs every kind shares (k8s.io/apimachinery types.go).
const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DOC = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

/**
 * definitionName is the name Kubernetes gives a kind's schema: the Go package path of k8s.io/api, whose package is
 * the group's first label ("" is core, "coordination.k8s.io" is coordination).
 */
export function definitionName(group: string, version: string, kind: string): string {
  const pkg = group === '' ? 'core' : group.split('.')[0]!;
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}

/** gvkExtension is `x-kubernetes-group-version-kind` as Kubernetes writes it: a list of one. */
const gvkExtension = (group: string, version: string, kind: string): JsonSchema[] => [{ group, kind, version }];

const ref = (name: string): JsonSchema => ({ $ref: REF_PREFIX + name });

/**
 * override shapes what zod derives into what Kubernetes publishes: a helper's own OpenAPI type (int32, int-or-string,
 * quantity) replaces its zod form; Go zero-value decode defaults (`''`, `0`, `{}`) are not API defaults and are
 * dropped; apiVersion and kind literals are plain strings, as in every Kubernetes schema.
 */
function override(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const schema = ctx.zodSchema as z.ZodType;
  const json = ctx.jsonSchema;
  const published = openapiTypes().get(schema)?.openapi;
  const type = schema._zod.def.type;
  if (published) {
    for (const key of Object.keys(json)) if (key !== 'description' && key !== '$ref' && !key.startsWith('x-')) delete json[key];
    Object.assign(json, published);
  } else if (type === 'default' || type === 'prefault') {
    delete json['default'];
  } else if (type === 'literal') {
    delete json['enum'];
    delete json['const'];
  }
}

/** toSchemaSet converts one zod schema; its named parts come back as separate entries, refs rewritten to components. */
function toSchemaSet(schema: z.ZodType): { root: JsonSchema; named: SchemaSet } {
  const out = zod.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any', override }) as JsonSchema;
  const { definitions, $schema: _ignored, ...root } = out as JsonSchema & { definitions?: SchemaSet; $schema?: unknown };
  const named = rewriteRefs(definitions ?? {}) as SchemaSet;
  return { root: rewriteRefs(root) as JsonSchema, named };
}

/**
 * rewriteRefs moves zod's `#/definitions/X` refs to `#/components/schemas/X` and unwraps an `allOf` of one `$ref`
 * with nothing beside it (returns a copy).
 */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const allOf = (value as JsonSchema)['allOf'] as JsonSchema[] | undefined;
  if (Object.keys(value).length === 1 && allOf?.length === 1 && Object.keys(allOf[0]!).join() === '$ref') return rewriteRefs(allOf[0]);
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/definitions\//, REF_PREFIX) : rewriteRefs(v);
  }
  return out;
}

/** withTypeMeta documents apiVersion, kind and metadata the same way for every kind (a kind's own docs win). */
function withTypeMeta(root: JsonSchema, metadataDoc: string): JsonSchema {
  const props = { ...((root['properties'] as SchemaSet | undefined) ?? {}) };
  const docs: Record<string, string> = { apiVersion: API_VERSION_DOC, kind: KIND_DOC, metadata: metadataDoc };
  for (const [field, doc] of Object.entries(docs)) {
    const p = props[field];
    if (p && p['description'] === undefined) props[field] = { description: doc, ...p };
  }
  return { ...root, properties: props };
}

const cache = new WeakMap<Kind, SchemaSet>();

/**
 * kindSchemas returns the components a kind needs: the kind (tagged with its group/version/kind), its List, and
 * every named type either refers to.
 */
export function kindSchemas(kind: Kind): SchemaSet {
  const hit = cache.get(kind);
  if (hit) return hit;
  const { group, version, kind: name } = kind.info;
  const own = toSchemaSet(kind.schema);
  const listMeta = toSchemaSet(listMetaSchema());
  const kindName = definitionName(group, version, name);
  const set: SchemaSet = {
    ...own.named,
    // ListMeta has an id, so zod hands it back among the named schemas (its root is a bare $ref).
    ...listMeta.named,
    [kindName]: { ...withTypeMeta(own.root, METADATA_DOC), 'x-kubernetes-group-version-kind': gvkExtension(group, version, name) },
    [`${kindName}List`]: {
      description: `${name}List is a list of ${name} objects.`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { description: API_VERSION_DOC, type: 'string' },
        items: { description: `List of ${kind.info.plural}.`, type: 'array', items: ref(kindName) },
        kind: { description: KIND_DOC, type: 'string' },
        metadata: { description: LIST_METADATA_DOC, allOf: [ref(LIST_META)] },
      },
      'x-kubernetes-group-version-kind': gvkExtension(group, version, `${name}List`),
    },
  };
  cache.set(kind, set);
  return set;
}

/** schemasOf merges the components of several kinds (shared types such as ObjectMeta appear once). */
export function schemasOf(kinds: readonly Kind[]): SchemaSet {
  const all: SchemaSet = {};
  for (const k of kinds) Object.assign(all, kindSchemas(k));
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
