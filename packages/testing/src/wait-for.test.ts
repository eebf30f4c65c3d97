import { describe, expect, it } from 'vitest';
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
});
