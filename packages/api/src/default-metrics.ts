/**
 * @module DEFAULT_METRICS_OPTIONS: the options every component passes to prom-client's collectDefaultMetrics.
 */

/**
 * DEFAULT_METRICS_OPTIONS sets the event-loop-lag histogram's sampling timer to 100 ms. prom-client's default, 10 ms,
 * wakes an idle process 100 times a second (about 0.4% of a core per process here, the largest part of an idle
 * cluster's CPU: bench/README.md). A stall of 100 ms or more still always delays a sample, so it is still seen.
 */
export const DEFAULT_METRICS_OPTIONS = { eventLoopMonitoringPrecision: 100 } as const;
