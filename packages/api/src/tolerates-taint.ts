/**
 * @module toleratesTaint: core/v1 Toleration.ToleratesTaint, the one rule the scheduler and the eviction controller share.
 */
import type { Taint } from './node.js';
import type { Toleration } from './pod.js';

/**
 * toleratesTaint says whether one toleration matches a taint (Toleration.ToleratesTaint): an empty effect matches
 * every effect, an empty key with operator Exists matches every taint, Exists ignores the value, Equal (the
 * default) compares it and any other operator matches nothing.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  // Validation rejects an empty key without Exists; refuse it here too so such a toleration never matches everything.
  if (!t.key && t.operator !== 'Exists') return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** tolerationsTolerateTaint says whether any toleration in the list matches the taint (v1helper.TolerationsTolerateTaint). */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}
