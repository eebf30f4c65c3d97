/**
 * @module EventRecorder: core/v1 Events (what `kubectl describe` shows), after client-go tools/record: best effort,
 * never blocking the caller, repeats aggregated into one Event's count.
 */
import type { Event as CoreEvent, ObjectMeta, ObjectReference } from '@skiff/api';
import { realClock } from './clock.js';
import type { Clock } from './clock.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';

/** EventType is the core/v1 Event type. */
export type EventType = 'Normal' | 'Warning';

/** EventSubject is an object an event can be about. */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** EventRecorder is what components record events through. Neither method throws nor waits. */
export interface EventRecorder {
  /** event records about an object. */
  event(subject: EventSubject, type: EventType, reason: string, message: string): void;
  /** record records about a reference, e.g. one with a fieldPath naming a container. */
  record(ref: ObjectReference, type: EventType, reason: string, message: string): void;
}

/** EventSink is where events are written: the events API of a client. */
export interface EventSink {
  create(event: CoreEvent): Promise<unknown>;
  patch(namespace: string, name: string, body: Partial<CoreEvent>): Promise<unknown>;
}

/** EventsApi is the part of a resource client clientEventSink needs. */
export interface EventsApi {
  create(event: CoreEvent, opts?: { namespace?: string }): Promise<unknown>;
  patch(name: string, body: unknown, opts: { namespace?: string }): Promise<unknown>;
}

/** clientEventSink writes through a Clientset's `events` client. */
export function clientEventSink(events: EventsApi): EventSink {
  return { create: (e) => events.create(e), patch: (namespace, name, body) => events.patch(name, body, { namespace }) };
}

/** referenceTo builds the involvedObject of an event about `obj`; `defaults` fill apiVersion/kind a cached object lacks. */
export function referenceTo(obj: EventSubject, defaults: { apiVersion?: string; kind?: string } = {}): ObjectReference {
  const m = obj.metadata;
  const ref: ObjectReference = {
    apiVersion: obj.apiVersion ?? defaults.apiVersion,
    kind: obj.kind ?? defaults.kind,
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
  for (const k of Object.keys(ref) as Array<keyof ObjectReference>) if (ref[k] === undefined) delete ref[k];
  return ref;
}

export interface ClientEventRecorderOptions {
  sink: EventSink;
  /** source.component and reportingComponent ("kubelet", "default-scheduler", "controller-manager"). */
  component: string;
  /** source.host, for a node's events. */
  host?: string;
  /** reportingInstance (a leader-election identity, a node name); defaults to host. */
  instance?: string;
  clock?: Clock;
  logger?: Logger;
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

const MAX_CORRELATED = 4096;

/** rfc3339 is metav1.Time's wire form: whole seconds. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * ClientEventRecorder writes Events through a small bounded queue, so recording never slows the caller and a
 * failed write is logged and dropped. A repeat of the same reason and message about the same object (and field)
 * bumps `count` and `lastTimestamp` of the first Event instead of creating another, as client-go's
 * EventCorrelator does. Events about cluster-scoped objects go to "default".
 */
export class ClientEventRecorder implements EventRecorder {
  readonly #o: ClientEventRecorderOptions & { clock: Clock; logger: Logger; concurrency: number; maxBacklog: number };
  readonly #pending: Array<() => Promise<void>> = [];
  readonly #seen = new Map<string, Seen>();
  #running = 0;
  #seq = 0;
  #idle: Array<() => void> = [];
  /** Events dropped because the backlog was full. */
  dropped = 0;

  constructor(opts: ClientEventRecorderOptions) {
    this.#o = { concurrency: 16, maxBacklog: 10_000, ...opts, clock: opts.clock ?? realClock, logger: opts.logger ?? silentLogger };
  }

  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    this.record(referenceTo(subject), type, reason, message);
  }

  record(ref: ObjectReference, type: EventType, reason: string, message: string): void {
    if (this.#pending.length >= this.#o.maxBacklog) {
      this.dropped++;
      return;
    }
    const namespace = ref.namespace ?? 'default';
    const key = [ref.uid ?? '', namespace, ref.name ?? '', ref.fieldPath ?? '', reason, message].join('\u0000');
    const nowMs = this.#o.clock.now();
    const now = rfc3339(nowMs);
    const seen = this.#seen.get(key);
    if (seen) {
      const count = ++seen.count;
      this.#enqueue(async () => {
        if (await seen.created) await this.#o.sink.patch(seen.namespace, seen.name, { count, lastTimestamp: now });
      });
      return;
    }
    // kube names events <object>.<unix nanos in hex>; the sequence keeps two events of one millisecond apart.
    const name = `${ref.name ?? 'object'}.${(BigInt(nowMs) * 1_000_000n + BigInt(this.#seq++ % 1_000_000)).toString(16)}`;
    const instance = this.#o.instance ?? this.#o.host;
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: { component: this.#o.component, ...(this.#o.host ? { host: this.#o.host } : {}) },
      reportingComponent: this.#o.component,
      ...(instance ? { reportingInstance: instance } : {}),
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    let resolveCreated!: (ok: boolean) => void;
    const entry: Seen = { name, namespace, count: 1, created: new Promise((r) => (resolveCreated = r)) };
    this.#seen.set(key, entry);
    if (this.#seen.size > MAX_CORRELATED) this.#seen.delete(this.#seen.keys().next().value!);
    this.#enqueue(async () => {
      try {
        await this.#o.sink.create(event);
        resolveCreated(true);
      } catch (err) {
        resolveCreated(false);
        if (this.#seen.get(key) === entry) this.#seen.delete(key);
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
        .catch((err: unknown) => this.#o.logger.debug({ err }, 'event not recorded'))
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && this.#pending.length === 0) for (const r of this.#idle.splice(0)) r();
        });
    }
  }
}

/** FakeEventRecorder keeps events as "Type Reason message" strings for tests to assert on. */
export class FakeEventRecorder implements EventRecorder {
  readonly events: string[] = [];

  event(_subject: EventSubject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }

  record(_ref: ObjectReference, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}
