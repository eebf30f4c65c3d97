/**
 * @module openapiV2, the Swagger 2.0 document (GET /openapi/v2): every served group/version's paths and schemas in
 * one document, converted from the OpenAPI v3 documents so both describe the same API. kubectl up to 1.26 reads it
 * for `explain` and client-side validation, and kubectl 1.20 cannot `create` or `apply` without it.
 */
import { REF_PREFIX, SERVED_KINDS } from '@skiff/api';
import { groupVersionKey, openapiV3GroupVersion } from './openapi-v3-group-version.js';

type Json = Record<string, unknown>;

const DEFINITIONS = '#/definitions/';

/**
 * toV2Schema rewrites refs to `#/definitions/` and unwraps v3's `allOf: [{$ref}]` into a `$ref` with the field's
 * description beside it, as Kubernetes' swagger.json has it: kubectl's v2 parser follows `$ref` and ignores `allOf`.
 */
function toV2Schema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toV2Schema);
  if (value === null || typeof value !== 'object') return value;
  const { allOf, ...rest } = value as Json & { allOf?: Json[] };
  const only = allOf?.length === 1 ? allOf[0] : undefined;
  const source: Json = only && typeof only['$ref'] === 'string' ? { ...rest, $ref: only['$ref'] } : (value as Json);
  const out: Json = {};
  for (const [k, v] of Object.entries(source)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(REF_PREFIX, DEFINITIONS) : toV2Schema(v);
  }
  return out;
}

/** toV2Parameter turns `{name, in, schema: {type}}` into Swagger's flat `{name, in, type}`. */
function toV2Parameter(p: Json): Json {
  const { schema, ...rest } = p as Json & { schema?: Json };
  return { ...rest, ...(schema ?? {}) };
}

function toV2Operation(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op as Json & { requestBody?: Json; responses?: Record<string, Json>; parameters?: Json[] };
  const params = (parameters ?? []).map(toV2Parameter);
  const body = (requestBody?.['content'] as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema;
  if (body) params.unshift({ name: 'body', in: 'body', required: true, schema: toV2Schema(body) });
  const v2Responses: Record<string, Json> = {};
  for (const [code, r] of Object.entries(responses ?? {})) {
    const schema = (r['content'] as Record<string, { schema: Json }> | undefined)?.['application/json']?.schema;
    v2Responses[code] = { description: r['description'], ...(schema && { schema: toV2Schema(schema) }) };
  }
  return {
    ...rest,
    consumes: ['*/*'],
    produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    ...(params.length && { parameters: params }),
    responses: v2Responses,
  };
}

function toV2PathItem(item: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'parameters') {
      if ((v as Json[]).length) out[k] = (v as Json[]).map(toV2Parameter);
    } else out[k] = toV2Operation(v as Json);
  }
  return out;
}

let document: Json | undefined;

/** openapiV2 builds the document once (SERVED_KINDS is fixed for the life of the process). */
export function openapiV2(): Json {
  if (document) return document;
  const paths: Json = {};
  const definitions: Json = {};
  const keys = [...new Set(SERVED_KINDS.map((k) => groupVersionKey(k.info.group, k.info.version)))];
  for (const key of keys) {
    const v3 = openapiV3GroupVersion(key) as { paths: Record<string, Json>; components: { schemas: Json } };
    for (const [path, item] of Object.entries(v3.paths)) paths[path] = toV2PathItem(item);
    Object.assign(definitions, toV2Schema(v3.components.schemas));
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  document = { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions: sorted };
  return document;
}
