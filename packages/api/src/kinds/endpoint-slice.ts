/**
 * @module endpointSliceKind: discovery.k8s.io/v1 EndpointSlice, the endpoints of a Service with their ready,
 * serving and terminating conditions; the endpoints controller writes one per Service and port set.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { endpointSlicePrinter } from '../printers/endpoints-printer.js';
import type { EndpointSlice } from '../service.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema, objectReferenceSchema } from '../validation/meta-schema.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/name-rules.js';
import { enumString, setList } from '../validation/schema-helpers.js';
import { endpointPortSchema, validateEndpointIP } from './endpoints.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;
/** Kubernetes' limits: 1000 endpoints and 100 ports per slice, 100 addresses per endpoint. */
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

/** endpointSliceSchema decodes discovery.k8s.io/v1 EndpointSlice. */
export const endpointSliceSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('discovery.k8s.io/v1'),
  kind: zod.literal('EndpointSlice'),
  metadata: objectMetaSchema().default({}),
  addressType: enumString<EndpointSlice['addressType']>().default('' as EndpointSlice['addressType']),
  endpoints: zod
    .array(
      zod.object({
        addresses: setList(zod.string(), { patchMerge: false }).default([]),
        conditions: zod.object({ ready: zod.boolean().optional(), serving: zod.boolean().optional(), terminating: zod.boolean().optional() }).optional(),
        hostname: zod.string().optional(),
        nodeName: zod.string().optional(),
        zone: zod.string().optional(),
        targetRef: objectReferenceSchema().optional(),
      }),
    )
    .default([]),
  ports: zod.array(endpointPortSchema().partial({ port: true })).optional(),
}) satisfies z.ZodType<EndpointSlice>);

function validateEndpointSlice(slice: EndpointSlice, errs: FieldErrors, old?: EndpointSlice): void {
  if (!slice.addressType) errs.required('addressType');
  else if (!ADDRESS_TYPES.includes(slice.addressType)) errs.notSupported('addressType', slice.addressType, ADDRESS_TYPES);
  if (old && old.addressType !== slice.addressType) errs.immutable('addressType', slice.addressType);
  if (slice.endpoints.length > MAX_ENDPOINTS) errs.tooMany('endpoints', slice.endpoints.length, MAX_ENDPOINTS);
  slice.endpoints.forEach((e, i) => {
    const path = `endpoints[${i}]`;
    if (e.addresses.length === 0) errs.required(`${path}.addresses`, 'must contain at least 1 address');
    if (e.addresses.length > MAX_ADDRESSES) errs.tooMany(`${path}.addresses`, e.addresses.length, MAX_ADDRESSES);
    e.addresses.forEach((a, j) => {
      if (slice.addressType === 'IPv4') validateEndpointIP(a, `${path}.addresses[${j}]`, errs);
      else if (slice.addressType === 'FQDN') errs.each(`${path}.addresses[${j}]`, a, isDNS1123Subdomain(a));
    });
    if (e.hostname) errs.each(`${path}.hostname`, e.hostname, isDNS1123Label(e.hostname));
  });
  const ports = slice.ports ?? [];
  if (ports.length > MAX_PORTS) errs.tooMany('ports', ports.length, MAX_PORTS);
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const name = p.name ?? '';
    if (names.has(name)) errs.duplicate(`ports[${i}].name`, name);
    names.add(name);
    if (p.port !== undefined && (p.port < 1 || p.port > 65535)) errs.invalid(`ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive');
  });
}

export const endpointSliceKind = defineKind({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
  schema: endpointSliceSchema,
  defaults(slice) {
    for (const p of slice.ports ?? []) p.protocol ??= 'TCP';
  },
  validate: validateEndpointSlice,
  fields: { addressType: (s) => s.addressType },
  printer: endpointSlicePrinter,
});
