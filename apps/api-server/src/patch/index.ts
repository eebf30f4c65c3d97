/**
 * @module Patch engines: JSON merge patch, JSON patch, strategic merge patch, and the dispatch by Content-Type.
 */
export { applyMergePatch } from './merge-patch.js';
export { applyJsonPatch } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export { patchSchemaFor, patchSchemaOfKind, type ListStrategy, type PatchField, type PatchSchema } from './patch-schema.js';
export { applyPatch, PATCH_MEDIA_TYPES, patchContentType, type PatchType } from './apply-patch.js';
