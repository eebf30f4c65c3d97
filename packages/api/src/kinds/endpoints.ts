/**
 * @module endpointsKind: core/v1 Endpoints, the ready and not-ready addresses of a Service, named after it and
 * written by the endpoints controller (or by hand for a Service without a selector).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { endpointsPrinter } from '../printers/endpoints-printer.js';
import { ipv4ToNumber } from '../service-allocation/service-ip-range.js';
import type { EndpointAddress, EndpointPort, Endpoints } from '../service.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema, objectReferenceSchema } from '../validation/meta-schema.js';
import { isDNS1123Label } from '../validation/name-rules.js';
import { enumString, int } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

const addressSchema = lazySchema(() => zod.object({
  ip: zod.string().default(''),
  hostname: zod.string().optional(),
  nodeName: zod.string().optional(),
  targetRef: objectReferenceSchema().optional(),
}) satisfies z.ZodType<EndpointAddress>);

/** endpointPortSchema decodes an Endpoints or EndpointSlice port. */
export const endpointPortSchema = lazySchema(() => zod.object({
  name: zod.string().optional(),
  port: int().default(0),
  protocol: enumString<'TCP' | 'UDP' | 'SCTP'>().optional(),
  appProtocol: zod.string().optional(),
}) satisfies z.ZodType<EndpointPort>);

/** endpointsSchema decodes core/v1 Endpoints. */
export const endpointsSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Endpoints'),
  metadata: objectMetaSchema().default({}),
  subsets: zod.array(zod.object({ addresses: zod.array(addressSchema()).optional(), notReadyAddresses: zod.array(addressSchema()).optional(), ports: zod.array(endpointPortSchema()).optional() })).optional(),
}) satisfies z.ZodType<Endpoints>);

/** validateEndpointIP refuses what is not an IPv4 address, with kube's message. */
export function validateEndpointIP(ip: string, path: string, errs: FieldErrors): void {
  if (ipv4ToNumber(ip) === undefined) errs.invalid(path, ip, 'must be a valid IP address');
}

function validateEndpoints(ep: Endpoints, errs: FieldErrors): void {
  (ep.subsets ?? []).forEach((s, i) => {
    const path = `subsets[${i}]`;
    for (const field of ['addresses', 'notReadyAddresses'] as const) {
      (s[field] ?? []).forEach((a, j) => {
        validateEndpointIP(a.ip, `${path}.${field}[${j}].ip`, errs);
        if (a.hostname) errs.each(`${path}.${field}[${j}].hostname`, a.hostname, isDNS1123Label(a.hostname));
      });
    }
    (s.ports ?? []).forEach((p, j) => {
      if (p.port < 1 || p.port > 65535) errs.invalid(`${path}.ports[${j}].port`, p.port, 'must be between 1 and 65535, inclusive');
    });
  });
}

export const endpointsKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: endpointsSchema,
  defaults(ep) {
    for (const s of ep.subsets ?? []) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
  },
  validate: validateEndpoints,
  printer: endpointsPrinter,
});
