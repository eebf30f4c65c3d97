/**
 * @module eventPrinter, the columns and row of `kubectl get events` (kube printers.go printEvent).
 */
import type { Event, KubeObject } from '../index.js';
import { sinceTimestamp } from './human-duration.js';
import { NAME_COLUMN, column, orNone } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

/**
 * eventLastSeen is the Last Seen cell: the age of lastTimestamp (else series.lastObservedTime, eventTime or
 * firstTimestamp) and, for a repeated event, how often and over how long, e.g. "5m (x3 over 10m)" as
 * `kubectl events` prints it.
 */
export function eventLastSeen(event: Event, nowMs: number): string {
  const first = eventFirstSeen(event, nowMs);
  const lastAt = event.series?.lastObservedTime || event.lastTimestamp || event.eventTime || event.firstTimestamp;
  const last = lastAt ? sinceTimestamp(lastAt, nowMs) : first;
  const count = eventCount(event);
  return count > 1 ? `${last} (x${count} over ${first})` : last;
}

/** eventFirstSeen is the age of firstTimestamp, or of eventTime for events.k8s.io-style events. */
export function eventFirstSeen(event: Event, nowMs: number): string {
  return sinceTimestamp(event.firstTimestamp || event.eventTime, nowMs);
}

/** eventCount is series.count, else count; a singleton event without a count counts once. */
export function eventCount(event: Event): number {
  return event.series?.count ?? (event.count || 1);
}

function eventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || '';
  const host = event.source?.host || event.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

function eventObject(event: Event): string {
  const ref = event.involvedObject ?? {};
  const kind = (ref.kind ?? '').toLowerCase();
  return ref.name ? `${kind}/${ref.name}` : kind;
}

/** eventPrinter prints Last Seen, Type, Reason, Object, Message and, wide, Subobject, Source, First Seen, Count, Name. */
export const eventPrinter: ResourcePrinter = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'The object that this event is about.'),
    column('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', {
      wide: true,
    }),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', { wide: true }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { wide: true }),
    column('Count', 'The number of times this event has occurred.', { wide: true }),
    { ...NAME_COLUMN, priority: 1 },
  ],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const event = obj as unknown as Event;
    return [
      eventLastSeen(event, nowMs),
      orNone(event.type),
      orNone(event.reason),
      orNone(eventObject(event)),
      orNone(event.involvedObject?.fieldPath),
      orNone(eventSource(event)),
      orNone(event.message?.trim()),
      eventFirstSeen(event, nowMs),
      eventCount(event),
      event.metadata.name ?? '',
    ];
  },
};
