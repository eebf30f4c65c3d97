/**
 * @module eventKind: core/v1 Event. Events expire --event-ttl after their last write and may be created by PUT.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { toMicroTime } from '../defaults/to-micro-time.js';
import type { Event } from '../event.js';
import { eventPrinter } from '../printers/event-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema, objectReferenceSchema } from '../validation/meta-schema.js';
import { int } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** eventSchema decodes core/v1 Event. */
export const eventSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Event'),
  metadata: objectMetaSchema().default({}),
  involvedObject: objectReferenceSchema().default({}),
  reason: zod.string().optional(),
  message: zod.string().optional(),
  source: zod.object({ component: zod.string().optional(), host: zod.string().optional() }).optional(),
  firstTimestamp: zod.string().optional(),
  lastTimestamp: zod.string().optional(),
  count: int().optional(),
  type: zod.string().optional(),
  eventTime: zod.string().optional(),
  series: zod.object({ count: int().optional(), lastObservedTime: zod.string().optional() }).optional(),
  action: zod.string().optional(),
  related: objectReferenceSchema().optional(),
  reportingComponent: zod.string().optional(),
  reportingInstance: zod.string().optional(),
}) satisfies z.ZodType<Event>);

const EVENT_TYPES = ['Normal', 'Warning'];

function validateEvent(event: Event, errs: FieldErrors): void {
  const ref = event.involvedObject;
  if (!ref || (!ref.kind && !ref.name && !ref.uid)) {
    errs.required('involvedObject');
  } else if (ref.namespace && event.metadata.namespace && ref.namespace !== event.metadata.namespace) {
    errs.invalid('involvedObject.namespace', ref.namespace, 'does not match event.namespace');
  }
  if (event.type && !EVENT_TYPES.includes(event.type)) errs.notSupported('type', event.type, EVENT_TYPES);
  if (event.reason && event.reason.length > 128) errs.tooLong('reason', 128);
  if (event.message && event.message.length > 4096) errs.tooLong('message', 4096);
  errs.nonNegative('count', event.count);
}

const ref = (e: Event) => e.involvedObject ?? {};

export const eventKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  schema: eventSchema,
  defaults(ev) {
    if (typeof ev.eventTime === 'string') ev.eventTime = toMicroTime(ev.eventTime);
  },
  validate: (ev, errs) => validateEvent(ev, errs),
  fields: {
    'involvedObject.kind': (e: Event) => ref(e).kind ?? '',
    'involvedObject.namespace': (e: Event) => ref(e).namespace ?? '',
    'involvedObject.name': (e: Event) => ref(e).name ?? '',
    'involvedObject.uid': (e: Event) => ref(e).uid ?? '',
    'involvedObject.apiVersion': (e: Event) => ref(e).apiVersion ?? '',
    'involvedObject.resourceVersion': (e: Event) => ref(e).resourceVersion ?? '',
    'involvedObject.fieldPath': (e: Event) => ref(e).fieldPath ?? '',
    reason: (e: Event) => e.reason ?? '',
    reportingComponent: (e: Event) => e.reportingComponent ?? '',
    source: (e: Event) => e.source?.component ?? '',
    type: (e: Event) => e.type ?? '',
  },
  printer: eventPrinter,
  strategy: { allowCreateOnUpdate: true, ttlSeconds: (o) => o.eventTtlSeconds },
});
