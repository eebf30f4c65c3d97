/**
 * @module leaseKind: coordination.k8s.io/v1 Lease, the heartbeat and leader-election record; PUT may create it.
 */
import { z } from 'zod';
import { toMicroTime } from '../defaults/to-micro-time.js';
import type { Lease } from '../lease.js';
import { leasePrinter } from '../printers/lease-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { int } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** leaseSchema decodes coordination.k8s.io/v1 Lease. */
export const leaseSchema = lazySchema(() => z.object({
  apiVersion: z.literal('coordination.k8s.io/v1'),
  kind: z.literal('Lease'),
  metadata: objectMetaSchema().default({}),
  spec: z
    .object({
      holderIdentity: z.string().optional(),
      leaseDurationSeconds: int().optional(),
      acquireTime: z.string().optional(),
      renewTime: z.string().optional(),
      leaseTransitions: int().optional(),
    })
    .optional(),
}) satisfies z.ZodType<Lease>);

function validateLease(lease: Lease, errs: FieldErrors): void {
  const spec = lease.spec;
  if (!spec) return;
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0');
  }
  if (spec.leaseTransitions != null) errs.nonNegative('spec.leaseTransitions', spec.leaseTransitions);
}

export const leaseKind = defineKind({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  schema: leaseSchema,
  defaults(lease) {
    const spec = lease.spec;
    if (spec?.renewTime) spec.renewTime = toMicroTime(spec.renewTime);
    if (spec?.acquireTime) spec.acquireTime = toMicroTime(spec.acquireTime);
  },
  validate: (lease, errs) => validateLease(lease, errs),
  printer: leasePrinter,
  strategy: { allowCreateOnUpdate: true },
});
