import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then one token per 1/qps seconds, never holding more than burst', () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket({ qps: 2, burst: 2, clock });
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
    clock.advance(499);
    expect(b.tryTake()).toBe(false);
    clock.advance(1);
    expect(b.tryTake()).toBe(true);
    clock.advance(60_000);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it('reserve borrows tokens and answers how long until each is due', () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket({ qps: 10, burst: 1, clock });
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(100);
    expect(b.reserve()).toBe(200);
    clock.advance(200);
    expect(b.reserve()).toBe(100);
  });

  it('with a fractional rate, refills a single token over 1/qps seconds', () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket({ qps: 0.1, burst: 1, clock });
    expect(b.tryTake()).toBe(true);
    clock.advance(9_999);
    expect(b.tryTake()).toBe(false);
    clock.advance(1);
    expect(b.tryTake()).toBe(true);
  });
});
