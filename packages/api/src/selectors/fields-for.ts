/**
 * @module fieldsFor and validateFieldSelector: which fields each resource exposes to field selectors, and their values.
 */
import { KINDS, kindFor } from '../kinds/index.js';
import type { KubeObject } from '../meta.js';
import { ApiError } from '../status.js';
import type { FieldSelector } from './field-selector.js';

const META = ['metadata.name', 'metadata.namespace'] as const;

/**
 * FIELD_SELECTOR_FIELDS lists the selectable fields per resource (each kind's `fields`, as each kube registry's
 * GetAttrs / field label conversion does); anything else is rejected with 400 so a typo does not silently select
 * nothing.
 */
export const FIELD_SELECTOR_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  KINDS.map((k) => [k.info.plural, [...META, ...Object.keys(k.fields ?? {})]]),
);

/**
 * fieldsFor returns the field set a field selector is matched against. Every value is a string, and an absent
 * field is "" (a bool false, a number 0), as in kube: an unscheduled pod has `spec.nodeName` "", which is how the
 * scheduler watches `spec.nodeName=`.
 */
export function fieldsFor(resource: string, o: KubeObject): Record<string, string> {
  const out: Record<string, string> = { 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' };
  for (const [field, read] of Object.entries(kindFor(resource).fields ?? {})) out[field] = read(o);
  return out;
}

/**
 * validateFieldSelector rejects fields the resource does not expose with kube's 400:
 * `"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"`, listing the
 * resource's fields.
 */
export function validateFieldSelector(resource: string, sel: FieldSelector): void {
  const allowed = FIELD_SELECTOR_FIELDS[resource] ?? META;
  for (const r of sel.requirements) {
    if (allowed.includes(r.field)) continue;
    const list = allowed.map((f) => JSON.stringify(f)).join(', ');
    throw new ApiError({ reason: 'BadRequest', message: `${JSON.stringify(r.field)} is not a known field selector: only ${list}` });
  }
}
