/**
 * @module leaseKind: coordination.k8s.io/v1 Lease, the heartbeat and leader-election record; PUT may create it.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { toMicroTime } from '../defaults/to-micro-time.js';
import type { Lease } from '../lease.js';
import { leasePrinter } from '../printers/lease-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { int } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** leaseSchema decodes coordination.k8s.io/v1 Lease. */
export const leaseSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('coordination.k8s.io/v1'),
  kind: zod.literal('Lease'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      holderIdentity: zod.string().optional(),
      leaseDurationSeconds: int().optional(),
      acquireTime: zod.string().optional(),
      renewTime: zod.string().optional(),
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
