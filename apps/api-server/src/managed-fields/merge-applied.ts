/**
 * @module mergeApplied: structured-merge-diff's merge of an apply configuration onto the live object, by the same
 * FieldType its managed fields are tracked with (so a list kube declares `+listType=map` merges by key even where
 * no strategic-merge rule says so, and an atomic map is replaced whole).
 */
import { itemElement } from './field-set.js';
import { childType, type FieldType } from './field-type.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * mergeApplied returns `live` with `config` merged in (neither is mutated): objects merge key by key (null
 * removes a key), map lists item by item on their keys and set lists by value, live items first and new ones after,
 * in config order; atomic values and lists are replaced. Pruning what the applier dropped is applyManagers' job.
 */
export function mergeApplied(live: unknown, config: unknown, t: FieldType): unknown {
  if (config === undefined) return structuredClone(live);
  if (t.t === 'scalar') return structuredClone(config);
  if (t.t === 'list' && t.rel !== 'atomic' && Array.isArray(config)) {
    const items = Array.isArray(live) ? live : [];
    const applied = new Map(config.map((item) => [itemElement(t, item), item] as const));
    const out = items.map((item) => {
      const e = itemElement(t, item);
      return applied.has(e) ? mergeApplied(item, applied.get(e), t.elem) : structuredClone(item);
    });
    const present = new Set(items.map((item) => itemElement(t, item)));
    for (const [e, item] of applied) if (!present.has(e)) out.push(structuredClone(item));
    return out;
  }
  if ((t.t === 'struct' || t.t === 'map' || t.t === 'untyped') && isObject(config) && isObject(live)) {
    const out = structuredClone(live);
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(live[k], v, childType(t, k));
    }
    return out;
  }
  if (isObject(config) && (t.t === 'struct' || t.t === 'map' || t.t === 'untyped')) return mergeApplied({}, config, t);
  return structuredClone(config);
}
