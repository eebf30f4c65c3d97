/**
 * @module Toleration matching (core/v1 helper ToleratesTaint).
 */
import type { Taint, Toleration } from '@skiff/api';

/**
 * tolerates says whether one toleration matches a taint: an empty effect matches every effect, an empty key with
 * operator Exists matches every taint, Exists ignores the value and Equal (the default) compares it.
 */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** toleratedBy says whether any toleration in the list matches the taint. */
export function toleratedBy(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerates(t, taint));
}
