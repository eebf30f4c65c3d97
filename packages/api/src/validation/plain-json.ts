/**
 * @module Parsed bodies known to hold no null member and no "__proto__" key, so decodeObject need not copy them
 * through stripNulls (a walk and a copy of every member of every body) to drop what is not there.
 */

const plain = new WeakSet<object>();

/** rememberPlainJson marks a parsed body its parser saw neither a null value nor a "__proto__" key in. */
export function rememberPlainJson(value: unknown): void {
  if (typeof value === 'object' && value !== null) plain.add(value);
}

/** isPlainJson says whether rememberPlainJson marked this very value. */
export function isPlainJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && plain.has(value);
}
