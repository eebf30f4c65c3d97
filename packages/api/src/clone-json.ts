/**
 * @module Deep copies of parsed JSON values.
 */

/**
 * cloneJson deep-copies a JSON value (objects, arrays, primitives) so the copy shares no structure with `v`. The
 * write path copies stored objects before changing them; structuredClone does the same for JSON values at about
 * five times the cost (it serializes to its wire format and back). A "__proto__" key stays an own data property.
 */
export function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const value = cloneJson((v as Record<string, unknown>)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out as T;
}
