/**
 * @module Ordering resourceVersions.
 */

const DIGITS = /^\d+$/;

/**
 * compareResourceVersions orders two resourceVersions. Kubernetes calls them opaque, but Skiff's are one global
 * increasing integer, so decimal strings are compared as numbers (by length first, so no BigInt is needed); for
 * anything else it answers 1 ("newer") unless the strings are equal, which turns duplicate-skipping off rather than
 * risk dropping an event.
 */
export function compareResourceVersions(a: string, b: string): number {
  if (a === b) return 0;
  if (!DIGITS.test(a) || !DIGITS.test(b)) return 1;
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** isConcreteResourceVersion is false for unset and "0", from which a watch starts with synthetic ADDED events. */
export function isConcreteResourceVersion(rv: string | undefined): rv is string {
  return rv !== undefined && rv !== '' && rv !== '0';
}
