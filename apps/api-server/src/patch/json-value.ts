/**
 * @module Helpers for plain JSON values shared by the patch engines: type tests, own-property access that cannot
 * touch prototypes (a patch may carry a "__proto__" key), deep copy and deep equality.
 */

/** JsonObject is a parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** isJsonObject is true for a JSON object: not null, not an array. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** hasOwn reports an own property, never an inherited one such as "constructor". */
export function hasOwn(o: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** getOwn reads an own property, or undefined. */
export function getOwn(o: JsonObject, key: string): unknown {
  return hasOwn(o, key) ? o[key] : undefined;
}

/** setOwn writes an own data property; `o["__proto__"] = v` would replace the prototype instead. */
export function setOwn(o: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** cloneJson deep-copies a JSON value so results never share structure with a caller's input. */
export { cloneJson } from '@skiff/api';

/** jsonEqual compares JSON values structurally; object key order does not matter (RFC 6902 "test"). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Plain loops: a PUT that sends back the managedFields it read compares them whole (requestManagers).
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** JsonMeasure is what measureJson found: the JSON size so far, and whether it stopped at a limit. */
export interface JsonMeasure {
  bytes: number;
  tooLarge: boolean;
  tooDeep: boolean;
}

/**
 * measureJson estimates the compact JSON size of a value (string escapes aside) with an explicit stack, stopping as
 * soon as it passes maxBytes or nests deeper than maxDepth. Shared references (YAML aliases) count each time they
 * appear, as they would once serialized; stopping at the limit keeps an exponential expansion cheap to detect.
 */
export function measureJson(value: unknown, maxBytes: number, maxDepth = Infinity): JsonMeasure {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  let bytes = 0;
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v !== 'object' || v === null) bytes += String(v).length;
    else {
      if (depth >= maxDepth) return { bytes, tooLarge: false, tooDeep: true };
      const items = Array.isArray(v) ? v : Object.values(v);
      if (!Array.isArray(v)) for (const k of Object.keys(v)) bytes += k.length + 4;
      bytes += 2 + items.length;
      for (const item of items) stack.push({ v: item, depth: depth + 1 });
    }
    if (bytes > maxBytes) return { bytes, tooLarge: true, tooDeep: false };
  }
  return { bytes, tooLarge: false, tooDeep: false };
}
