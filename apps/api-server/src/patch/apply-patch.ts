/**
 * @module applyPatch and patchContentType: choosing and running the patch engine a PATCH request asks for.
 */
import { ApiError } from '@skiff/api';
import { applyJsonPatch } from './json-patch.js';
import { isJsonObject } from './json-value.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

/** PatchType names the four patch media types kube-apiserver accepts. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const MEDIA_TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** PATCH_MEDIA_TYPES lists the accepted Content-Types, for the 415 UnsupportedMediaType message. */
export const PATCH_MEDIA_TYPES: readonly string[] = Object.keys(MEDIA_TYPES);

/**
 * patchContentType maps a PATCH request's Content-Type to its PatchType, ignoring parameters such as charset
 * and letter case; anything else is undefined, which the caller answers with 415.
 */
export function patchContentType(contentType: string | undefined): PatchType | undefined {
  if (!contentType) return undefined;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return Object.hasOwn(MEDIA_TYPES, media) ? MEDIA_TYPES[media] : undefined;
}

const NAMES: Readonly<Record<PatchType, string>> = {
  json: 'JSON patch',
  merge: 'merge patch',
  strategic: 'strategic merge patch',
  apply: 'apply patch',
};

/**
 * applyPatch applies a parsed patch body of the given type to `target` (the live object) and returns the new
 * object; `kind` picks the strategic-merge list rules. Server-side apply ('apply') is the subset DESIGN.md
 * allows: the applied object is strategic-merged onto the live one, with no managedFields and no conflicts.
 * Bodies of the wrong shape throw 400 BadRequest. Inputs are never mutated.
 */
export function applyPatch(type: PatchType, target: unknown, patchBody: unknown, kind: string): unknown {
  if (type === 'json') return applyJsonPatch(target, patchBody);
  if (!isJsonObject(patchBody)) {
    const got = patchBody === null ? 'null' : Array.isArray(patchBody) ? 'an array' : typeof patchBody;
    throw new ApiError({ reason: 'BadRequest', message: `invalid ${NAMES[type]}: the patch document must be a JSON object, got ${got}` });
  }
  if (type === 'merge') return applyMergePatch(target, patchBody);
  return applyStrategicMergePatch(target, patchBody, kind);
}
