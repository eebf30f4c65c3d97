import { describe, expect, it, vi } from 'vitest';
import { FakeClock, silentLogger } from '@skiff/controller-kit';
import { PodTerminatingError, PodWorkers } from './pod-workers.js';

const WAIT = { timeout: 10_000, interval: 5 };

/** blockingSyncs records every sync and keeps it running until its signal aborts or the test resolves it. */
function blockingSyncs() {
  const runs: Array<{ uid: string; signal: AbortSignal; finish(): void }> = [];
  const sync = (uid: string, signal: AbortSignal): Promise<undefined> =>
    new Promise((resolve, reject) => {
      runs.push({ uid, signal, finish: () => resolve(undefined) });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { runs, sync };
}

describe('PodWorkers', () => {
  it('aborts the running sync of a pod that starts terminating and runs the terminating sync next, without a retry back-off', async () => {
    const clock = new FakeClock();
    const { runs, sync } = blockingSyncs();
    const w = new PodWorkers({ sync, clock, logger: silentLogger });
    w.update('u1');
    w.update('u1'); // an ordinary update while busy only marks the pod dirty
    await vi.waitFor(() => expect(runs).toHaveLength(1), WAIT);
    expect(runs[0]!.signal.aborted).toBe(false);

    w.update('u1', { terminating: true });
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(runs[0]!.signal.reason).toBeInstanceOf(PodTerminatingError);
    await vi.waitFor(() => expect(runs).toHaveLength(2), WAIT);

    // The terminating sync cannot be aborted: not by a further deletion, not by stop().
    w.update('u1', { terminating: true });
    w.stop();
    expect(runs[1]!.signal.aborted).toBe(false);
    runs[1]!.finish();
    await w.idle();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborts running syncs on stop', async () => {
    const { runs, sync } = blockingSyncs();
    const w = new PodWorkers({ sync, clock: new FakeClock(), logger: silentLogger });
    w.update('u1');
    w.update('u2');
    await vi.waitFor(() => expect(runs).toHaveLength(2), WAIT);
    w.stop();
    await w.idle();
    expect(runs.map((r) => r.signal.aborted)).toEqual([true, true]);
  });

  it('drops the state of a pod forgotten from inside its own sync, with the resync it asked for', async () => {
    const clock = new FakeClock();
    let syncs = 0;
    const w: PodWorkers = new PodWorkers({
      clock,
      logger: silentLogger,
      sync: async (uid) => {
        syncs++;
        w.forget(uid); // as NodeRunner does for a pod that is gone from the API
        return clock.now() + 1_000;
      },
    });
    w.update('gone');
    await w.idle();
    expect(syncs).toBe(1);
    expect(w.tracked).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advanceAsync(5_000);
    await w.idle();
    expect(syncs).toBe(1);
  });
});
