import { describe, expect, it } from 'vitest';
import { formatMicroTime, formatTime } from './format-time.js';

describe('formatTime', () => {
  it('renders metav1.Time to the second, truncating (not rounding) milliseconds', () => {
    expect(formatTime(Date.UTC(2025, 0, 1, 12, 30, 5, 999))).toBe('2025-01-01T12:30:05Z');
    expect(formatTime(Date.UTC(2025, 0, 1))).toBe('2025-01-01T00:00:00Z');
  });

  it('round-trips through Date.parse at second precision', () => {
    const ms = Date.UTC(2030, 5, 15, 1, 2, 3);
    expect(Date.parse(formatTime(ms))).toBe(ms);
  });

  it('answers each second right whatever came before (the last one is kept), and still refuses a bad time', () => {
    expect(formatTime(Date.UTC(2025, 0, 1, 0, 0, 1, 1))).toBe('2025-01-01T00:00:01Z');
    expect(formatTime(Date.UTC(2025, 0, 1, 0, 0, 1, 999))).toBe('2025-01-01T00:00:01Z');
    expect(formatTime(Date.UTC(2025, 0, 1, 0, 0, 2))).toBe('2025-01-01T00:00:02Z');
    expect(formatTime(Date.UTC(2024, 11, 31, 23, 59, 59, 500))).toBe('2024-12-31T23:59:59Z');
    expect(() => formatTime(NaN)).toThrow(RangeError);
  });
});

describe('formatMicroTime', () => {
  it('renders metav1.MicroTime with six fractional digits', () => {
    expect(formatMicroTime(Date.UTC(2025, 0, 1, 12, 30, 5, 123))).toBe('2025-01-01T12:30:05.123000Z');
    expect(formatMicroTime(Date.UTC(2025, 0, 1))).toBe('2025-01-01T00:00:00.000000Z');
  });
});
