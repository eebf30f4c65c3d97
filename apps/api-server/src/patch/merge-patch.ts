/**
 * @module applyMergePatch: JSON Merge Patch (RFC 7386), what `kubectl scale`, `label` and `annotate` send.
 */
import { cloneJson, getOwn, isJsonObject, setOwn, type JsonObject } from './json-value.js';

/**
 * applyMergePatch applies an RFC 7386 merge patch: an object patch merges key by key, `null` deletes a key, and
 * any other patch (array, string, number...) replaces the target. Inputs are never mutated and the result
 * shares no structure with them.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  mergeInto(result, patch);
  return result;
}

function mergeInto(result: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else if (isJsonObject(value)) {
      const current = getOwn(result, key);
      const child: JsonObject = isJsonObject(current) ? current : {};
      mergeInto(child, value);
      setOwn(result, key, child);
    } else {
      setOwn(result, key, cloneJson(value));
    }
  }
}
