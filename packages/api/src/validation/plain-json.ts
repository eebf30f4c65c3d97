/**
 * @module Parsed bodies known to hold no null member and no "__proto__" key, so decodeObject need not copy them
 * through stripNulls (a walk and a copy of every member of every body) to drop what is not there.
 */

const plain = new WeakSet<object>();

/**
 * rememberPlainJson marks `value` as parsed from `text` when the text has neither `null` nor `__proto__` anywhere
 * (inside strings too: a plain look at the text, never a false "plain").
 */
export function rememberPlainJson(value: unknown, text: string): void {
  if (typeof value === 'object' && value !== null && !text.includes('null') && !text.includes('__proto__')) plain.add(value);
}

/** isPlainJson says whether rememberPlainJson marked this very value. */
export function isPlainJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && plain.has(value);
}
