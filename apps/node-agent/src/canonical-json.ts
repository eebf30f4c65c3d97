/**
 * @module canonicalJson: JSON with sorted keys and undefined dropped, to compare objects regardless of key order.
 */

/**
 * canonicalJson serializes `value` with object keys sorted, so equal data gives equal text. With `dropNulls`, object
 * fields set to null are left out too: the api-server strips them on write, so a status holding `lastProbeTime: null`
 * and the stored status without it are the same.
 */
export function canonicalJson(value: unknown, opts: { dropNulls?: boolean } = {}): string {
  const dropNulls = opts.dropNulls === true;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const field = (v as Record<string, unknown>)[k];
      if (!(dropNulls && field === null)) out[k] = field;
    }
    return out;
  });
}
