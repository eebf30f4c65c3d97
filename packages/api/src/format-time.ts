/**
 * @module formatTime: metav1.Time and metav1.MicroTime as they go on the wire.
 */

/** formatTime renders epoch milliseconds as a metav1.Time: RFC 3339 in UTC, truncated to the second (`2025-01-01T00:00:00Z`). */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * formatMicroTime renders epoch milliseconds as a metav1.MicroTime, six fractional digits
 * (`2025-01-01T00:00:00.123000Z`), the format of Lease `acquireTime`/`renewTime` and Event `eventTime`.
 */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
