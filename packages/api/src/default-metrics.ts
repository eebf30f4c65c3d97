/**
 * @module DEFAULT_METRICS_OPTIONS: the options every component passes to prom-client's collectDefaultMetrics.
 */

/**
 * DEFAULT_METRICS_OPTIONS sets the event-loop-lag histogram's sampling timer to 1 s. prom-client's default, 10 ms,
 * woke an idle process 100 times a second (about 0.4% of a core per process here, the largest part of an idle
 * cluster's CPU), and 100 ms still 10 times: the most frequent wake-up of every idle component, with no work behind
 * it (about 0.025-0.05% of a core each, 7 processes in the Compose cluster; bench/README.md, "Idle cluster"). A
 * stall of 1 s or more always delays a sample; shorter ones delay one in proportion to their length, so a loop
 * that stalls often still shows in the histogram, as a sampling profiler shows a hot function.
 */
export const DEFAULT_METRICS_OPTIONS = { eventLoopMonitoringPrecision: 1000 } as const;
