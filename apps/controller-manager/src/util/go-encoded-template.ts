/**
 * @module goEncodedTemplate: a pod template as Go's encoding/json writes a typed v1.PodTemplateSpec, for the bytes
 * kube's controllers store in a ControllerRevision and `kubectl rollout undo` compares with its own re-encoding.
 */

/** Slices Go writes even when empty: the fields of the pod template that have no `omitempty`. */
const KEPT_EMPTY_LISTS = new Set(['containers', 'nodeSelectorTerms', 'sources']);
/** Map-typed fields (`omitempty`): Go leaves an empty map out, while an empty struct behind a pointer stays `{}`. */
const MAP_FIELDS = new Set(['labels', 'annotations', 'nodeSelector', 'limits', 'requests', 'overhead', 'matchLabels', 'volumeAttributes']);
/** Non-pointer `omitempty` scalars a template often spells out at their zero value. */
const ZERO_OMITTED: Record<string, unknown> = { stdin: false, stdinOnce: false, tty: false, readOnly: false, hostNetwork: false, hostPID: false, hostIPC: false, hostPort: 0, initialDelaySeconds: 0 };
/** Lists of Containers, each of which Go writes with `resources` (a struct, never left out). */
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];

/** sortedGo is `value` with its keys sorted (Go re-marshals the patch from a map) and Go's omitted zeros left out. */
function sortedGo(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => sortedGo(v, key === 'env' ? 'env[]' : ''));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0 && !KEPT_EMPTY_LISTS.has(k)) continue;
    if (MAP_FIELDS.has(k) && typeof v === 'object' && Object.keys(v).length === 0) continue;
    if (k in ZERO_OMITTED && ZERO_OMITTED[k] === v) continue;
    // EnvVar.value is `omitempty`: an empty value is written as no value.
    if (key === 'env[]' && k === 'value' && v === '') continue;
    out[k] = sortedGo(v, k);
  }
  return out;
}

/**
 * goEncodedTemplate is the template as a Go client writes it: keys sorted, zero `omitempty` fields left out,
 * `metadata.creationTimestamp: null` (a zero metav1.Time) and every container's `resources` (`{}` when unset).
 * Applied twice it changes nothing, so stored revisions can be compared with it on both sides.
 */
export function goEncodedTemplate(template: unknown): Record<string, unknown> {
  const t = structuredClone((template ?? {}) as Record<string, unknown>);
  t['metadata'] ??= {};
  const spec = (t['spec'] ?? {}) as Record<string, unknown>;
  for (const list of CONTAINER_LISTS) {
    for (const c of (spec[list] as Array<Record<string, unknown>> | undefined) ?? []) c['resources'] ??= {};
  }
  const out = sortedGo(t) as Record<string, unknown>;
  // Added after sortedGo, which drops nulls, in its sorted place (after annotations, before labels).
  const withTime: Record<string, unknown> = { ...(out['metadata'] as Record<string, unknown>), creationTimestamp: null };
  out['metadata'] = Object.fromEntries(Object.keys(withTime).sort().map((k) => [k, withTime[k]]));
  return out;
}
