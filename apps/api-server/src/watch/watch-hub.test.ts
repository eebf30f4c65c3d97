import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, watchTimeoutMs } from './watch-hub.js';

describe('watchTimeoutMs (kube GetTimeoutForWatch)', () => {
  it('picks a random time in [min, 2*min] when timeoutSeconds is unset or 0', () => {
    expect(watchTimeoutMs(undefined, 1800, () => 0)).toBe(1_800_000);
    expect(watchTimeoutMs(0, 1800, () => 0.5)).toBe(2_700_000);
  });

  it('takes timeoutSeconds as given, ends a negative one at once and clamps one no Node timer holds', () => {
    expect(watchTimeoutMs(300, 1800)).toBe(300_000);
    expect(watchTimeoutMs(-5, 1800)).toBe(0);
    expect(watchTimeoutMs(2 ** 31, 1800)).toBe(MAX_TIMER_MS);
    expect(watchTimeoutMs(1e30, 1800)).toBe(MAX_TIMER_MS);
  });
});
