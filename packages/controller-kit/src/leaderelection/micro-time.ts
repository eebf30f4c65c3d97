/**
 * formatMicroTime renders epoch milliseconds as a metav1.MicroTime (`2025-01-01T00:00:00.000000Z`), the format Lease
 * `acquireTime` and `renewTime` use on the wire.
 */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** parseMicroTime reads a MicroTime (or any RFC 3339 time) back to epoch milliseconds; NaN if unparseable. */
export function parseMicroTime(s: string): number {
  return Date.parse(s);
}
