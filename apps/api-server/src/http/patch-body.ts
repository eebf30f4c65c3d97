/**
 * @module requirePatchType and decodePatchBody: the content type and body of a PATCH request.
 */
import type { IncomingMessage } from 'node:http';
import { errors } from '@skiff/api';
import { patchContentType, type PatchType } from '../patch/index.js';
import { decodeObjectBody, mediaType, parseJson } from './read-body.js';

/** requirePatchType reads the patch type from Content-Type; anything else is 415 listing the four kube accepts. */
export function requirePatchType(req: IncomingMessage): PatchType {
  const type = patchContentType(req.headers['content-type']);
  if (!type) {
    throw errors.unsupportedMediaType(mediaType(req.headers['content-type']), [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ]);
  }
  return type;
}

/** decodePatchBody parses a patch document: YAML or JSON for apply, JSON for the others. */
export function decodePatchBody(type: PatchType, raw: Buffer): unknown {
  if (raw.length === 0) throw errors.badRequest('the patch document is empty');
  return type === 'apply' ? decodeObjectBody(raw, 'application/yaml') : parseJson(raw);
}

