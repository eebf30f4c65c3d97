/** creationMs is an object's creationTimestamp in milliseconds (0 when unset). */
export function creationMs(obj: { metadata: { creationTimestamp?: string } }): number {
  const t = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** byCreation orders objects oldest first, ties broken by name so the order is stable across processes. */
export function byCreation(a: { metadata: { creationTimestamp?: string; name?: string } }, b: { metadata: { creationTimestamp?: string; name?: string } }): number {
  return creationMs(a) - creationMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
