/**
 * @module EventRecorder: core/v1 Events about pods, aggregated and sent off the scheduling path.
 */
import { formatTime, type Event as CoreEvent, type Pod } from '@skiff/api';
import type { Clock, Logger } from '@skiff/controller-kit';
import type { SchedulerWriter } from './scheduler-writer.js';

/** EventRecorderOptions configures EventRecorder. */
export interface EventRecorderOptions {
  writer: SchedulerWriter;
  clock: Clock;
  logger: Logger;
  /** source.component and reportingComponent; kube-scheduler uses "default-scheduler". */
  component: string;
  /** reportingInstance, e.g. the leader-election identity. */
  instance?: string;
  /** Writes in flight at once. Default 16. */
  concurrency?: number;
  /** Events waiting beyond this are dropped (and counted), like client-go's broadcaster. Default 10,000. */
  maxBacklog?: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  created: Promise<boolean>;
}

type ResolvedOptions = Required<Omit<EventRecorderOptions, 'instance'>> & { instance: string };

const MAX_CORRELATED = 4096;

/**
 * EventRecorder writes Scheduled and FailedScheduling Events for `kubectl describe pod`. Writes go through a small
 * bounded queue so that events never slow down binding; a repeat of the same reason and message for the same pod
 * increments `count` and `lastTimestamp` of the existing Event instead of creating another, as client-go's
 * EventCorrelator does.
 */
export class EventRecorder {
  readonly #o: ResolvedOptions;
  readonly #pending: Array<() => Promise<void>> = [];
  readonly #seen = new Map<string, Seen>();
  #running = 0;
  #seq = 0;
  #idle: Array<() => void> = [];
  dropped = 0;

  constructor(opts: EventRecorderOptions) {
    this.#o = { concurrency: 16, maxBacklog: 10_000, ...opts, instance: opts.instance ?? opts.component };
  }

  /** record queues an Event about `pod`; it never throws and never waits. */
  record(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.#pending.length >= this.#o.maxBacklog) {
      this.dropped++;
      return;
    }
    const uid = pod.metadata.uid ?? '';
    const namespace = pod.metadata.namespace ?? 'default';
    const podName = pod.metadata.name ?? '';
    const key = `${uid}\u0000${namespace}/${podName}\u0000${reason}\u0000${message}`;
    const now = formatTime(this.#o.clock.now());
    const seen = this.#seen.get(key);
    if (seen) {
      seen.count++;
      const count = seen.count;
      this.#enqueue(async () => {
        if (!(await seen.created)) return;
        await this.#o.writer.patchEvent(seen.namespace, seen.name, { count, lastTimestamp: now });
      });
      return;
    }
    const name = `${podName}.${(this.#o.clock.now() * 1_000_000 + (this.#seq++ % 1_000_000)).toString(16)}`;
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { kind: 'Pod', namespace, name: podName, uid, apiVersion: 'v1', ...(pod.metadata.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}) },
      reason,
      message,
      source: { component: this.#o.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      reportingComponent: this.#o.component,
      reportingInstance: this.#o.instance,
    };
    let resolveCreated!: (ok: boolean) => void;
    const entry: Seen = { name, namespace, count: 1, created: new Promise((r) => (resolveCreated = r)) };
    this.#seen.set(key, entry);
    if (this.#seen.size > MAX_CORRELATED) this.#seen.delete(this.#seen.keys().next().value!);
    this.#enqueue(async () => {
      try {
        await this.#o.writer.createEvent(event);
        resolveCreated(true);
      } catch (err) {
        resolveCreated(false);
        this.#seen.delete(key);
        throw err;
      }
    });
  }

  /** idle resolves once every queued event has been written or has failed (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#pending.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #enqueue(job: () => Promise<void>): void {
    this.#pending.push(job);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#o.concurrency && this.#pending.length > 0) {
      const job = this.#pending.shift()!;
      this.#running++;
      job()
        .catch((err: unknown) => this.#o.logger.warn({ err }, 'event write failed'))
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && this.#pending.length === 0) for (const r of this.#idle.splice(0)) r();
        });
    }
  }
}
