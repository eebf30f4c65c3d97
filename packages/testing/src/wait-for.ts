/**
 * @module waitFor: the one way tests wait for a condition that other processes, sockets or timers bring about.
 */

/** WaitForOptions tunes waitFor; `what` names the condition in the timeout error. */
export interface WaitForOptions {
  what?: string;
  /** How long to keep trying; 10 s unless said otherwise. */
  timeoutMs?: number;
  /** The pause between tries; 20 ms unless said otherwise. */
  intervalMs?: number;
  /**
   * Gives up at once, rejecting with the signal's reason, when it aborts: e.g. when the process that should bring
   * the condition about has exited, so the test fails with why instead of at the deadline.
   */
  signal?: AbortSignal;
}

/** Truthy is what waitFor resolves with: the check's value once it is neither undefined, null, false, 0 nor ''. */
export type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

/**
 * waitFor calls `check` until it returns a truthy value and resolves with that value. A check that throws counts
 * as "not yet" (the server may still be starting); after the deadline waitFor rejects, naming what it waited for
 * and the check's last error. Polling with a deadline rather than a fixed sleep keeps tests right on a loaded
 * machine: they wait exactly as long as the condition takes, and fail only when it never comes.
 */
export async function waitFor<T>(check: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<Truthy<T>> {
  const { what = 'a condition', timeoutMs = 10_000, intervalMs = 20, signal } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const v = await check();
      if (v) return v as Truthy<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`, lastError === undefined ? undefined : { cause: lastError });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}
