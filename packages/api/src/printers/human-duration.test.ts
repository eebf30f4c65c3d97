import { describe, expect, it } from 'vitest';
import { humanDuration, sinceTimestamp } from './human-duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [95 * S, '95s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 5 * S, '3m5s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [47 * M + 30 * S, '47m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [2 * H + 5 * M, '125m'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [30 * H, '30h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [12 * D + 5 * H, '12d'],
    [729 * D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 3 * D, '2y3d'],
    [7 * Y + 364 * D, '7y364d'],
    [8 * Y + 100 * D, '8y'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('tolerates up to a second of clock skew and calls more "<invalid>"', () => {
    expect(humanDuration(-500)).toBe('0s');
    expect(humanDuration(-1999)).toBe('0s');
    expect(humanDuration(-2000)).toBe('<invalid>');
    expect(humanDuration(Number.NaN)).toBe('<invalid>');
  });
});

describe('sinceTimestamp', () => {
  it('measures the age of an RFC 3339 timestamp, "<unknown>" when missing', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(sinceTimestamp('2025-01-01T11:55:00Z', now)).toBe('5m');
    expect(sinceTimestamp(undefined, now)).toBe('<unknown>');
    expect(sinceTimestamp('garbage', now)).toBe('<unknown>');
  });
});
