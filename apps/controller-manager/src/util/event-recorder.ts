import { formatTime, type Event as CoreEvent, type ObjectMeta } from '@skiff/api';
import type { Clock, Logger } from '@skiff/controller-kit';
import { realClock, silentLogger } from '@skiff/controller-kit';
import type { ResourceApi } from '../controller-client.js';

/** EventType is the core/v1 Event type. */
export type EventType = 'Normal' | 'Warning';

/** EventSubject is what an event is about: any object with apiVersion, kind and metadata. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** EventRecorder posts core/v1 Events for what controllers do, as client-go's record.EventRecorder does. */
export interface EventRecorder {
  event(subject: EventSubject, type: EventType, reason: string, message: string): void;
}

/**
 * ClientEventRecorder writes each event through the events client without waiting: an event that cannot be written
 * is logged and dropped, never allowed to fail a reconcile. Events of cluster-scoped objects go to "default".
 */
export class ClientEventRecorder implements EventRecorder {
  readonly #events: ResourceApi<CoreEvent>;
  readonly #component: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  #seq = 0;

  constructor(opts: { events: ResourceApi<CoreEvent>; component: string; clock?: Clock; logger?: Logger }) {
    this.#events = opts.events;
    this.#component = opts.component;
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.logger ?? silentLogger;
  }

  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    const now = formatTime(this.#clock.now());
    const namespace = subject.metadata.namespace ?? 'default';
    const suffix = (this.#clock.now() * 1000 + (this.#seq++ % 1000)).toString(16);
    const ev: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${subject.metadata.name ?? 'unknown'}.${suffix}`, namespace },
      involvedObject: {
        apiVersion: subject.apiVersion,
        kind: subject.kind,
        name: subject.metadata.name,
        namespace: subject.metadata.namespace,
        uid: subject.metadata.uid,
        resourceVersion: subject.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.#component },
      reportingComponent: this.#component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    this.#events.create(ev).catch((err: unknown) => this.#log.debug({ err, reason }, 'event not recorded'));
  }
}

/** FakeRecorder keeps events as "Type Reason message" strings for tests to assert on. */
export class FakeRecorder implements EventRecorder {
  readonly events: string[] = [];

  event(_subject: EventSubject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}
