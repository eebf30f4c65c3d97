/**
 * @module openapiV3Root, the OpenAPI v3 discovery document (GET /openapi/v3), and the serialized documents it points at.
 */
import { createHash } from 'node:crypto';
import { SERVED_KINDS } from '@skiff/api';
import { groupVersionKey, openapiV3GroupVersion } from './openapi-v3-group-version.js';

/** OpenAPIV3Root maps "api/v1"-style keys to the URL of that group/version's document. */
export interface OpenAPIV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

/** SerializedDocument is a document's JSON text and its hash: sha512, upper-case hex, as kube-openapi computes it. */
export interface SerializedDocument {
  text: string;
  hash: string;
}

/** serializeDocument serializes and hashes a document (the hash is the ETag and the `?hash=` of its URL). */
export function serializeDocument(doc: unknown): SerializedDocument {
  const text = JSON.stringify(doc);
  return { text, hash: createHash('sha512').update(text).digest('hex').toUpperCase() };
}

const serialized = new Map<string, SerializedDocument | undefined>();

/** openapiV3Document returns the group/version document for `key` ('api/v1', 'apis/apps/v1') serialized, or undefined. */
export function openapiV3Document(key: string): SerializedDocument | undefined {
  if (!serialized.has(key)) {
    const doc = openapiV3GroupVersion(key);
    serialized.set(key, doc && serializeDocument(doc));
  }
  return serialized.get(key);
}

/**
 * openapiV3Root lists one document per served group/version. Each URL carries `?hash=` of the document's content,
 * as kube-apiserver does: kubectl caches a document by URL, so a changed document must get a new URL.
 */
export function openapiV3Root(): OpenAPIV3Root {
  const paths: OpenAPIV3Root['paths'] = {};
  for (const { info } of SERVED_KINDS) {
    const key = groupVersionKey(info.group, info.version);
    if (paths[key]) continue;
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openapiV3Document(key)!.hash}` };
  }
  return { paths };
}
