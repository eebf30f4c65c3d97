import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiter.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles per failure from the base, caps at max, and forgets', () => {
    const r = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    expect([r.when('a'), r.when('a'), r.when('a'), r.when('a')]).toEqual([5, 10, 20, 40]);
    expect(r.when('b')).toBe(5);
    expect(r.numRequeues('a')).toBe(4);
    for (let i = 0; i < 40; i++) r.when('a');
    expect(r.when('a')).toBe(1_000_000);
    r.forget('a');
    expect(r.numRequeues('a')).toBe(0);
    expect(r.when('a')).toBe(5);
  });

  it('never overflows to a non-finite delay', () => {
    const r = new ItemExponentialFailureRateLimiter<string>(1, 60_000);
    for (let i = 0; i < 2000; i++) r.when('a');
    expect(r.when('a')).toBe(60_000);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst through, then spaces reservations at 1/qps, refilling over time', () => {
    const clock = new FakeClock(0);
    const r = new BucketRateLimiter<string>(10, 3, clock);
    expect([r.when('a'), r.when('b'), r.when('c')]).toEqual([0, 0, 0]);
    expect(r.when('d')).toBeCloseTo(100);
    expect(r.when('e')).toBeCloseTo(200);
    clock.advance(1000);
    expect(r.when('f')).toBe(0);
  });
});

describe('MaxOfRateLimiter and the default', () => {
  it('answers the longest delay of its limiters', () => {
    const clock = new FakeClock(0);
    const r = new MaxOfRateLimiter<string>(
      new ItemExponentialFailureRateLimiter<string>(5, 1000),
      new BucketRateLimiter<string>(1, 1, clock),
    );
    expect(r.when('a')).toBe(5);
    expect(r.when('a')).toBeCloseTo(1000);
    expect(r.numRequeues('a')).toBe(2);
    r.forget('a');
    expect(r.numRequeues('a')).toBe(0);
  });

  it('defaultControllerRateLimiter backs a single key off 5, 10, 20 ms', () => {
    const r = defaultControllerRateLimiter<string>(new FakeClock(0));
    expect([r.when('k'), r.when('k'), r.when('k')]).toEqual([5, 10, 20]);
  });
});

describe('RateLimitingQueue', () => {
  it('re-adds a failing key after its backoff and counts requeues until forgotten', async () => {
    const clock = new FakeClock(0);
    let retries = 0;
    const q = new RateLimitingQueue<string>({ clock, metrics: { incRetries: () => retries++ } });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(retries).toBe(2);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });
});
