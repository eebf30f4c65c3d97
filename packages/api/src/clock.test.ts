import { describe, expect, it } from 'vitest';
import { FakeClock, sleep } from './clock.js';

describe('FakeClock', () => {
  it('runs due timers in due order, ties in the order they were set, each at its own time', () => {
    const clock = new FakeClock(1000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 20);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 10);
    clock.setTimeout(() => seen.push(['c', clock.now()]), 20);
    clock.setTimeout(() => seen.push(['late', clock.now()]), 100);
    clock.advance(50);
    expect(seen).toEqual([
      ['a', 1010],
      ['b', 1020],
      ['c', 1020],
    ]);
    expect(clock.now()).toBe(1050);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('runs timers set by timers when they fall within the advance', () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(seen).toEqual([5, 10]);
  });

  it('clearTimeout cancels; setNow jumps and fires what fell due', () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const h = clock.setTimeout(() => fired++, 5);
    clock.clearTimeout(h);
    clock.setTimeout(() => fired++, 7);
    clock.setNow(100);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(100);
  });

  it('advanceAsync lets async loops re-arm between timers', async () => {
    const clock = new FakeClock(0);
    const ticks: number[] = [];
    const ac = new AbortController();
    const loop = (async () => {
      while (!ac.signal.aborted) {
        await sleep(clock, 10, ac.signal);
        await Promise.resolve();
        ticks.push(clock.now());
      }
    })();
    await clock.advanceAsync(35);
    expect(ticks).toEqual([10, 20, 30]);
    ac.abort();
    await loop;
    expect(clock.pendingTimers()).toBe(0);
  });
});
