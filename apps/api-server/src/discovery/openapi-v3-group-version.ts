/**
 * @module openapiV3GroupVersion, the OpenAPI v3 document of one group/version (GET /openapi/v3/apis/apps/v1): the
 * paths of its kinds and the schemas of every kind, its List and the types they use, derived from SERVED_KINDS.
 */
import { definitionName, REF_PREFIX, SERVED_KINDS, schemasOf } from '@skiff/api';
import type { ResourceInfo, Verb } from '@skiff/api';

type Json = Record<string, unknown>;
type Gvk = { group: string; version: string; kind: string };

const query = (name: string): Json => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
const pathParam = (name: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });
const WRITE_PARAMS = [query('dryRun'), query('fieldManager'), query('fieldValidation')];
const PATCH_PARAMS = [...WRITE_PARAMS, query('force')];

/** SCHEMA_OF says which schema an action's body and answer hold: the kind, its List, or nothing we publish. */
const SCHEMA_OF: Record<string, 'kind' | 'list' | undefined> = { get: 'kind', list: 'list', post: 'kind', put: 'kind', patch: 'kind' };

function operation(gvk: Gvk, action: string, parameters: Json[] = [], published = false): Json {
  const op: Json = {
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gvk.group, version: gvk.version, kind: gvk.kind },
    responses: { '200': { description: 'OK' } },
  };
  if (parameters.length) op['parameters'] = parameters;
  const shape = published ? SCHEMA_OF[action] : undefined;
  if (shape) {
    const name = definitionName(gvk.group, gvk.version, gvk.kind) + (shape === 'list' ? 'List' : '');
    const content = { 'application/json': { schema: { $ref: REF_PREFIX + name } } };
    op['responses'] = { '200': { description: 'OK', content } };
    if (action === 'post' || action === 'put') op['requestBody'] = { required: true, content };
  }
  return op;
}

function resourcePaths(r: ResourceInfo): Record<string, Json> {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const scope = r.namespaced ? [pathParam('namespace')] : [];
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const paths: Record<string, Json> = {
    [collection]: {
      get: operation(gvk, 'list', [], true),
      post: operation(gvk, 'post', WRITE_PARAMS, true),
      delete: operation(gvk, 'deletecollection', [query('dryRun')]),
      parameters: scope,
    },
    [item]: {
      get: operation(gvk, 'get', [], true),
      put: operation(gvk, 'put', WRITE_PARAMS, true),
      patch: operation(gvk, 'patch', PATCH_PARAMS, true),
      delete: operation(gvk, 'delete', [query('dryRun')]),
      parameters: [pathParam('name'), ...scope],
    },
  };
  if (r.namespaced) paths[`${base}/${r.plural}`] = { get: operation(gvk, 'list', [], true) };
  for (const s of r.subresources) {
    const sub: Gvk = { group: s.group, version: s.version, kind: s.kind };
    const ops: Json = { parameters: [pathParam('name'), ...scope] };
    const has = (v: Verb): boolean => s.verbs.includes(v);
    if (has('get')) ops['get'] = operation(sub, s.name === 'log' ? 'connect' : 'get');
    if (has('create')) ops['post'] = operation(sub, 'post', WRITE_PARAMS);
    if (has('update')) ops['put'] = operation(sub, 'put', WRITE_PARAMS);
    if (has('patch')) ops['patch'] = operation(sub, 'patch', PATCH_PARAMS);
    paths[`${item}/${s.name}`] = ops;
  }
  return paths;
}

/** groupVersionKey is the OpenAPI v3 path of a group/version: "api/v1" or "apis/apps/v1". */
export function groupVersionKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const documents = new Map<string, Json | undefined>();

/**
 * openapiV3GroupVersion returns the document for 'api/v1', 'apis/apps/v1', ... or undefined. kubectl reads it for
 * `explain` (the schemas), for its queryParamVerifierV3 (a PATCH operation tagged with
 * x-kubernetes-group-version-kind that takes fieldValidation, so `create/apply -f` send fieldValidation=Strict) and
 * for the merge keys of client-side apply. SERVED_KINDS never changes while the server runs, so each document is built once.
 */
export function openapiV3GroupVersion(path: string): Json | undefined {
  const key = path.replace(/^\/+|\/+$/g, '');
  if (!documents.has(key)) documents.set(key, buildDocument(key));
  return documents.get(key);
}

function buildDocument(key: string): Json | undefined {
  const served = SERVED_KINDS.filter((k) => groupVersionKey(k.info.group, k.info.version) === key);
  if (served.length === 0) return undefined;
  const paths: Record<string, Json> = {};
  for (const k of served) Object.assign(paths, resourcePaths(k.info));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: schemasOf(served) },
  };
}
