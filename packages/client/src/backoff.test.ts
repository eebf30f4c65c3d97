import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from 100 ms up to 5 s and starts over after reset', () => {
    const b = new Backoff({ jitter: 0 });
    const delays = Array.from({ length: 9 }, () => b.next());
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('takes up to the jitter fraction off each delay', () => {
    expect(new Backoff({ random: () => 0 }).next()).toBe(100);
    expect(new Backoff({ random: () => 0.999999 }).next()).toBe(50);
    const b = new Backoff({ jitter: 0.2, random: () => 0.5 });
    expect([b.next(), b.next()]).toEqual([90, 180]);
  });
});
