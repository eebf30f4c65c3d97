import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { DelayingQueue } from './delaying-queue.js';

describe('DelayingQueue', () => {
  it('adds a key only once its delay has passed on the clock', () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('a', 100);
    clock.advance(99);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.waitingCount()).toBe(0);
  });

  it('keeps the sooner of two ready times for the same key', () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 10);
    q.addAfter('a', 500);
    expect(q.waitingCount()).toBe(1);
    clock.advance(10);
    expect(q.len()).toBe(1);
    clock.advance(2000);
    expect(q.len()).toBe(1);
  });

  it('adds at once for a zero delay and drops pending keys on shutdown', () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('now', 0);
    expect(q.len()).toBe(1);
    q.addAfter('later', 50);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(100);
    expect(q.len()).toBe(1);
  });
});
