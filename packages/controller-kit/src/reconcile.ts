/**
 * @module The Reconciler contract, after controller-runtime pkg/reconcile: reconciliation is level-based. A key says
 * only which object to look at; the reconciler reads the current state (usually from an informer's cache) and
 * converges, so a deletion is observed as "not found", never delivered as an event.
 */

/** ReconcileResult tells the runner what to do after a successful pass; `{}` means done until the next change. */
export interface ReconcileResult {
  /** Reconcile this key again after this long even if nothing changes (polling, expiring state). */
  requeueAfterMs?: number;
}

/** Reconciler converges the state of one key; throwing retries the key with rate-limited backoff. */
export interface Reconciler<K = string> {
  reconcile(key: K, signal: AbortSignal): Promise<ReconcileResult>;
}

/**
 * TerminalError marks a failure a retry cannot fix (an invalid spec, say): the runner logs it and forgets the key
 * instead of backing off forever. The next change to the object enqueues it again.
 */
export class TerminalError extends Error {
  constructor(messageOrCause: string | unknown, options?: { cause?: unknown }) {
    const cause = options?.cause ?? (typeof messageOrCause === 'string' ? undefined : messageOrCause);
    const message =
      typeof messageOrCause === 'string'
        ? messageOrCause
        : messageOrCause instanceof Error
          ? messageOrCause.message
          : String(messageOrCause);
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TerminalError';
  }
}

/** isTerminalError is true for a TerminalError or an error whose `cause` chain contains one. */
export function isTerminalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}
