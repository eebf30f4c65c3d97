/**
 * @module EventRecorder: core/v1 Events about pods and the node (`kubectl describe` shows them), best effort.
 */
import { formatTime, type Event as CoreEvent, type ObjectReference } from '@skiff/api';
import type { Clock, Logger } from '@skiff/controller-kit';

/** EventSink is where events go (the client's events API in production, an array in tests). */
export interface EventSink {
  create(event: CoreEvent): Promise<unknown>;
  patch(namespace: string, name: string, body: Partial<CoreEvent>): Promise<unknown>;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
}

/**
 * EventRecorder sends Events without blocking the caller. A repeat of the same reason and message about the same
 * object bumps `count` and `lastTimestamp` of the first Event, as client-go's EventCorrelator does.
 */
export class EventRecorder {
  readonly #sink: EventSink;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #host: string;
  readonly #seen = new Map<string, Seen>();
  #seq = 0;

  constructor(opts: { sink: EventSink; clock: Clock; logger: Logger; host: string }) {
    this.#sink = opts.sink;
    this.#clock = opts.clock;
    this.#log = opts.logger;
    this.#host = opts.host;
  }

  /** record queues an Event; it never throws. */
  record(obj: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = formatTime(this.#clock.now());
    const key = `${obj.uid}\u0000${reason}\u0000${message}`;
    const seen = this.#seen.get(key);
    const done = (p: Promise<unknown>): void => {
      p.catch((err: unknown) => this.#log.debug({ err, reason }, 'event write failed'));
    };
    if (seen) {
      seen.count++;
      done(this.#sink.patch(seen.namespace, seen.name, { count: seen.count, lastTimestamp: now }));
      return;
    }
    if (this.#seen.size > 4096) this.#seen.clear();
    const namespace = obj.namespace ?? 'default';
    const name = `${obj.name ?? 'object'}.${this.#clock.now().toString(16)}${(++this.#seq).toString(16)}`;
    this.#seen.set(key, { name, namespace, count: 1, first: now });
    done(
      this.#sink.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: obj,
        reason,
        message,
        type,
        source: { component: 'kubelet', host: this.#host },
        reportingComponent: 'kubelet',
        reportingInstance: this.#host,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      }),
    );
  }
}
