/**
 * @module leasePrinter, the columns and row of `kubectl get leases` (kube printers.go printLease).
 */
import type { KubeObject, Lease } from '../index.js';
import { sinceTimestamp } from './human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, orNone } from './resource-printer.js';
import type { ResourcePrinter } from './resource-printer.js';

/** leasePrinter prints Name, Holder (spec.holderIdentity) and Age. */
export const leasePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
    AGE_COLUMN,
  ],
  cells(obj: KubeObject, nowMs: number): unknown[] {
    const lease = obj as unknown as Lease;
    return [lease.metadata.name ?? '', orNone(lease.spec?.holderIdentity), sinceTimestamp(lease.metadata.creationTimestamp, nowMs)];
  },
};
