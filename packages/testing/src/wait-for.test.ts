import { describe, expect, it, vi } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value, retrying falsy values and thrown errors', async () => {
    let calls = 0;
    const v = await waitFor(() => {
      calls++;
      if (calls === 1) throw new Error('not up yet');
      return calls < 4 ? undefined : { calls };
    }, { intervalMs: 1 });
    expect(v).toEqual({ calls: 4 });
  });

  it('rejects after the deadline naming what it waited for and the last error', async () => {
    await expect(
      waitFor(async () => {
        throw new Error('connection refused');
      }, { what: 'the server', timeoutMs: 30, intervalMs: 1 }),
    ).rejects.toThrow(/timed out after 30 ms waiting for the server; last error: connection refused/);
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 1 })).rejects.toThrow(/waiting for a condition$/);
  });

  it('rejects with the reason when its signal aborts, ending the pause between tries', async () => {
    const ac = new AbortController();
    let tries = 0;
    // Pauses and deadline far beyond the test's timeout: only the abort can end this wait in time.
    const waiting = waitFor(() => {
      tries++;
      return false;
    }, { timeoutMs: 3_600_000, intervalMs: 3_600_000, signal: ac.signal });
    await vi.waitFor(() => expect(tries).toBe(1));
    ac.abort(new Error('the server exited with 1'));
    await expect(waiting).rejects.toThrow('the server exited with 1');
    expect(tries).toBe(1);
    const aborted = AbortSignal.abort(new Error('gone before the first try'));
    await expect(waitFor(() => (tries++, true), { signal: aborted })).rejects.toThrow('gone before the first try');
    expect(tries).toBe(1);
  });
});
