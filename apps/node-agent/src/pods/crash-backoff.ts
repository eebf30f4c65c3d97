/**
 * @module Crash back-off: how long a crashed container waits before its next start (kubelet's CrashLoopBackOff).
 */

/** CRASH_BACKOFF_INITIAL_MS and CRASH_BACKOFF_MAX_MS are Kubernetes' 10 s doubling to 5 min. */
export const CRASH_BACKOFF_INITIAL_MS = 10_000;
export const CRASH_BACKOFF_MAX_MS = 300_000;
/** A container that ran this long before exiting restarts without back-off, as kubelet forgets old back-off entries. */
export const CRASH_BACKOFF_RESET_MS = 600_000;

/**
 * crashBackoffMs is the wait before restarting a container whose dead instance had `restartCount` restarts before
 * it. Like kubelet, the first restart is immediate, the second waits 10 s, then 20 s, 40 s ... up to 5 min. It is
 * derived from the restart count kept in the container's labels, so it survives an agent restart.
 */
export function crashBackoffMs(restartCount: number, ranForMs?: number): number {
  if (restartCount <= 0) return 0;
  if (ranForMs !== undefined && ranForMs >= CRASH_BACKOFF_RESET_MS) return 0;
  return Math.min(CRASH_BACKOFF_INITIAL_MS * 2 ** (restartCount - 1), CRASH_BACKOFF_MAX_MS);
}
