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
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setOwn(out, k, cloneJson(v[k]));
    return out as T;
  }
  return v;
}

/** jsonEqual compares JSON values structurally; object key order does not matter (RFC 6902 "test"). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
