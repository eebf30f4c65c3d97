/**
 * @module formatTime: metav1.Time and metav1.MicroTime as they go on the wire.
 */

let lastSecond = NaN;
let lastText = '';

/** formatTime renders epoch milliseconds as a metav1.Time: RFC 3339 in UTC, truncated to the second (`2025-01-01T00:00:00Z`). */
export function formatTime(ms: number): string {
  // Every write stamps the current second, often twice (creationTimestamp, managedFields): the last one is kept.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/**
 * formatMicroTime renders epoch milliseconds as a metav1.MicroTime, six fractional digits
 * (`2025-01-01T00:00:00.123000Z`), the format of Lease `acquireTime`/`renewTime` and Event `eventTime`.
 */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
