/**
 * @module Synchronous, ordered delivery of committed changes to subscribers.
 */
import type { ChangeEvent } from './storage.js';

/** ListenerErrorHandler hears about a listener that threw; the write it was told about has committed regardless. */
export type ListenerErrorHandler = (err: unknown, event: ChangeEvent) => void;

const warnListenerError: ListenerErrorHandler = (err, event) => {
  process.emitWarning(`storage listener threw on revision ${event.revision}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, 'StorageListenerWarning');
};

/**
 * ListenerSet calls every listener for every event, in revision order, right after commit. A listener that throws
 * is reported and skipped for that event only. If a listener writes to the store while being called, the new
 * event is queued and delivered once the current one has reached every listener, so no listener ever sees
 * revisions out of order.
 */
export class ListenerSet {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private readonly queue: ChangeEvent[] = [];
  private delivering = false;

  constructor(private readonly onError: ListenerErrorHandler = warnListenerError) {}

  add(listener: (event: ChangeEvent) => void): () => void {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const wrapped = (event: ChangeEvent): void => listener(event);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  emit(events: readonly ChangeEvent[]): void {
    for (const e of events) this.queue.push(e);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const event = this.queue[i] as ChangeEvent;
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (err) {
            this.reportError(err, event);
          }
        }
      }
    } finally {
      this.queue.length = 0;
      this.delivering = false;
    }
  }

  clear(): void {
    this.listeners.clear();
  }

  private reportError(err: unknown, event: ChangeEvent): void {
    try {
      this.onError(err, event);
    } catch {
      // The error reporter itself failed; there is nowhere left to report to.
    }
  }
}
