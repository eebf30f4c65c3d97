/**
 * @module canonicalJson: JSON with sorted keys and undefined dropped, to compare objects regardless of key order.
 */

/**
 * canonicalJson serializes `value` with object keys sorted, so equal data gives equal text. With `dropNulls`, object
 * fields set to null are left out too: the api-server strips them on write, so a status holding `lastProbeTime: null`
 * and the stored status without it are the same. Otherwise the text is JSON.stringify's (toJSON honoured, undefined
 * and functions dropped from objects and null in arrays).
 */
export function canonicalJson(value: unknown, opts: { dropNulls?: boolean } = {}): string {
  // Written out rather than through JSON.stringify's replacer, which copied every object into a sorted one first:
  // the node agent compares each pod's status this way on every sync (a twentieth of a simulated agent's CPU).
  return write(value, opts.dropNulls === true) as string;
}

/** Quoted keys, by key: objects of one kind repeat theirs. Bounded, so arbitrary keys (labels) cannot grow it. */
const quoted = new Map<string, string>();

function quote(key: string): string {
  let q = quoted.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quoted.size < 1024) quoted.set(key, q);
  }
  return q;
}

function write(value: unknown, dropNulls: boolean): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (write(value[i], dropNulls) ?? 'null');
    return out + ']';
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const field = (value as Record<string, unknown>)[k];
    if (dropNulls && field === null) continue;
    const text = write(field, dropNulls);
    if (text === undefined) continue;
    out += (first ? '' : ',') + quote(k) + ':' + text;
    first = false;
  }
  return out + '}';
}
