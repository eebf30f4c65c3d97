/**
 * QueueMetrics is the optional hook a queue reports through, kept to plain callbacks so an app can wire it to
 * prom-client (`workqueue_depth`, `workqueue_adds_total`, `workqueue_retries_total`, ...) without controller-kit
 * depending on a metrics library. Every callback is optional.
 */
export interface QueueMetrics {
  /** setDepth receives the number of keys waiting to be handed out, each time it changes. */
  setDepth?(depth: number): void;
  /** incAdds counts accepted adds (a key already waiting is not counted again). */
  incAdds?(): void;
  /** incRetries counts rate-limited re-adds. */
  incRetries?(): void;
  /** observeQueueLatencyMs reports how long a key waited between being queued and handed to a worker. */
  observeQueueLatencyMs?(ms: number): void;
  /** observeWorkDurationMs reports how long a worker held a key, from `get` to `done`. */
  observeWorkDurationMs?(ms: number): void;
}
