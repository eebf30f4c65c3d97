/**
 * @module openapiV3Root, the OpenAPI v3 discovery document (GET /openapi/v3).
 */
import { createHash } from 'node:crypto';
import { RESOURCE_LIST } from '@skiff/api';
import { groupVersionKey, openapiV3GroupVersion } from './openapi-v3-group-version.js';

/** OpenAPIV3Root maps "api/v1"-style keys to the URL of that group/version's document. */
export interface OpenAPIV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

/**
 * openapiV3Root lists one document per served group/version. Each URL carries `?hash=` of the document's content,
 * as kube-apiserver does, so clients that cache by URL see a new URL whenever the document changes.
 */
export function openapiV3Root(): OpenAPIV3Root {
  const paths: OpenAPIV3Root['paths'] = {};
  for (const r of RESOURCE_LIST) {
    const key = groupVersionKey(r.group, r.version);
    if (paths[key]) continue;
    const hash = createHash('sha512').update(JSON.stringify(openapiV3GroupVersion(key))).digest('hex').toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}
