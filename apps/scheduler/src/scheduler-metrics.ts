/**
 * @module SchedulerMetrics: Prometheus metrics under kube-scheduler's names (pkg/scheduler/metrics).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEFAULT_METRICS_OPTIONS } from '@skiff/api';
import type { PendingCounts } from './queue/scheduling-queue.js';

/** MetricsSource is what the scrape-time gauges read. */
export interface MetricsSource {
  pending(): PendingCounts;
  unschedulablePlugins(): Map<string, number>;
  assumedPods(): number;
}

/**
 * SchedulerMetrics owns one registry per scheduler (so tests can run several in one process). Queue gauges are read
 * at scrape time, never stale; process_* metrics give the scheduler's CPU and memory for benchmarks.
 */
export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly attempts: Counter<'result' | 'profile'>;
  readonly attemptDuration: Histogram<'result' | 'profile'>;
  readonly e2eDuration: Histogram<'result' | 'profile'>;
  readonly bindingDuration: Histogram<'result'>;
  readonly podsScheduled: Counter<'profile'>;
  #source: MetricsSource | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, ...DEFAULT_METRICS_OPTIONS });
    this.attempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result. unschedulable means a pod could not be scheduled, while error means an internal scheduler problem.',
      labelNames: ['result', 'profile'],
      registers,
    });
    const buckets = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
    this.attemptDuration = new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets,
      registers,
    });
    this.e2eDuration = new Histogram({
      name: 'scheduler_pod_scheduling_sli_duration_seconds',
      help: 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue until it is bound.',
      labelNames: ['result', 'profile'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.bindingDuration = new Histogram({
      name: 'scheduler_binding_duration_seconds',
      help: 'Binding latency in seconds (the pods/binding request)',
      labelNames: ['result'],
      buckets,
      registers,
    });
    this.podsScheduled = new Counter({ name: 'scheduler_pods_bound_total', help: 'Pods bound by this scheduler (Skiff addition).', labelNames: ['profile'], registers });
    const pending: Gauge<'queue'> = new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Number of pending pods, by the queue type. active means number of pods in activeQ; backoff means number of pods in backoffQ; unschedulable means number of pods in unschedulablePods.',
      labelNames: ['queue'],
      registers,
      collect: () => {
        const c = this.#source?.pending() ?? { active: 0, backoff: 0, unschedulable: 0 };
        pending.set({ queue: 'active' }, c.active);
        pending.set({ queue: 'backoff' }, c.backoff);
        pending.set({ queue: 'unschedulable' }, c.unschedulable);
        pending.set({ queue: 'gated' }, 0);
      },
    });
    const byPlugin: Gauge<'plugin' | 'profile'> = new Gauge({
      name: 'scheduler_unschedulable_pods',
      help: 'The number of unschedulable pods broken down by plugin name. A pod will increment the gauge for all plugins that caused it to not schedule.',
      labelNames: ['plugin', 'profile'],
      registers,
      collect: () => {
        byPlugin.reset();
        for (const [plugin, n] of this.#source?.unschedulablePlugins() ?? []) byPlugin.set({ plugin, profile: 'default-scheduler' }, n);
      },
    });
    const assumed: Gauge = new Gauge({
      name: 'scheduler_cache_assumed_pods',
      help: 'Pods assumed onto a node whose binding has not yet come back through the watch (Skiff addition).',
      registers,
      collect: () => assumed.set(this.#source?.assumedPods() ?? 0),
    });
  }

  /** attach points the scrape-time gauges at a running scheduler. */
  attach(source: MetricsSource): void {
    this.#source = source;
  }
}
