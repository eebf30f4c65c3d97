/**
 * @module openapiV3GroupVersion, the stub OpenAPI v3 document of one group/version (GET /openapi/v3/apis/apps/v1).
 */
import { RESOURCE_LIST } from '@skiff/api';
import type { ResourceInfo, Verb } from '@skiff/api';

type Json = Record<string, unknown>;
type Gvk = { group: string; version: string; kind: string };

const query = (name: string): Json => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
const pathParam = (name: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });
const WRITE_PARAMS = [query('dryRun'), query('fieldManager'), query('fieldValidation')];
const PATCH_PARAMS = [...WRITE_PARAMS, query('force')];

function operation(gvk: Gvk, action: string, parameters: Json[] = []): Json {
  const op: Json = {
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gvk.group, version: gvk.version, kind: gvk.kind },
    responses: { '200': { description: 'OK' } },
  };
  if (parameters.length) op['parameters'] = parameters;
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
      get: operation(gvk, 'list'),
      post: operation(gvk, 'post', WRITE_PARAMS),
      delete: operation(gvk, 'deletecollection', [query('dryRun')]),
      parameters: scope,
    },
    [item]: {
      get: operation(gvk, 'get'),
      put: operation(gvk, 'put', WRITE_PARAMS),
      patch: operation(gvk, 'patch', PATCH_PARAMS),
      delete: operation(gvk, 'delete', [query('dryRun')]),
      parameters: [pathParam('name'), ...scope],
    },
  };
  if (r.namespaced) paths[`${base}/${r.plural}`] = { get: operation(gvk, 'list') };
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

/**
 * openapiV3GroupVersion returns the stub document for 'api/v1', 'apis/apps/v1', ... or undefined. It has no schemas:
 * it exists so kubectl's queryParamVerifierV3 finds, for every kind, a PATCH operation tagged with
 * x-kubernetes-group-version-kind and a fieldValidation parameter. Then `kubectl create/apply -f` skip client-side
 * validation and send fieldValidation=Strict instead of failing with "failed to download openapi".
 */
export function openapiV3GroupVersion(path: string): Json | undefined {
  const key = path.replace(/^\/+|\/+$/g, '');
  const served = RESOURCE_LIST.filter((r) => groupVersionKey(r.group, r.version) === key);
  if (served.length === 0) return undefined;
  const paths: Record<string, Json> = {};
  for (const r of served) Object.assign(paths, resourcePaths(r));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: {},
  };
}
