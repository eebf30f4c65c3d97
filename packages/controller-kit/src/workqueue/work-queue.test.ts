import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('de-duplicates keys that are waiting and keeps FIFO order', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key being processed to a second worker, and re-queues it once on done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    const waiting = q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await waiting;
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
    expect(q.processingCount()).toBe(0);
  });

  it('hands waiting workers keys in the order they asked', async () => {
    const q = new WorkQueue<string>();
    const got: Array<string | undefined> = [];
    const w1 = q.get().then((k) => got.push(`w1:${k}`));
    const w2 = q.get().then((k) => got.push(`w2:${k}`));
    q.add('x');
    q.add('y');
    await Promise.all([w1, w2]);
    expect(got).toEqual(['w1:x', 'w2:y']);
  });

  it('concurrent workers never hold the same key at once', async () => {
    const q = new WorkQueue<string>();
    const holding = new Set<string>();
    let overlaps = 0;
    let processed = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (holding.has(k)) overlaps++;
        holding.add(k);
        await new Promise((r) => setImmediate(r));
        holding.delete(k);
        processed++;
        q.done(k);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    for (let i = 0; i < 200; i++) {
      q.add(`k${i % 3}`);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    while (q.len() > 0 || q.processingCount() > 0) await new Promise((r) => setImmediate(r));
    q.shutDown();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(3);
  });

  it('shutDown releases waiting workers with undefined and ignores later adds', async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.shuttingDown).toBe(true);
  });

  it('shutDownWithDrain waits for keys in flight', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const k = await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done(k as string);
    await drain;
    expect(drained).toBe(true);
  });

  it('reports depth, adds, latency and work duration through metrics hooks', async () => {
    const clock = new FakeClock(0);
    const depths: number[] = [];
    const latencies: number[] = [];
    const durations: number[] = [];
    let adds = 0;
    const q = new WorkQueue<string>({
      clock,
      metrics: {
        setDepth: (d) => depths.push(d),
        incAdds: () => adds++,
        observeQueueLatencyMs: (ms) => latencies.push(ms),
        observeWorkDurationMs: (ms) => durations.push(ms),
      },
    });
    q.add('a');
    q.add('a');
    q.add('b');
    clock.advance(7);
    const k = await q.get();
    clock.advance(3);
    q.done(k as string);
    expect(adds).toBe(2);
    expect(depths).toEqual([1, 2, 1]);
    expect(latencies).toEqual([7]);
    expect(durations).toEqual([3]);
  });
});
