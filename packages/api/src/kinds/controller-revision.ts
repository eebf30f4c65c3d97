/**
 * @module controllerRevisionKind: apps/v1 ControllerRevision, the immutable snapshot of a DaemonSet's or
 * StatefulSet's pod template that rollout history and undo read (kube's pkg/apis/apps and
 * pkg/registry/apps/controllerrevision, `kubectl get controllerrevisions` columns from printers.go).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { controllerOf } from '../controller-of.js';
import type { ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, NAME_COLUMN, NONE, column } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { int64 } from '../validation/schema-helpers.js';
import { deepEqual } from '../validation/validate-pod-update.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export interface ControllerRevision {
  apiVersion: 'apps/v1';
  kind: 'ControllerRevision';
  metadata: ObjectMeta;
  /** A runtime.RawExtension: for DaemonSets and StatefulSets, a strategic merge patch replacing spec.template. */
  data?: unknown;
  revision: number;
}

/** controllerRevisionSchema decodes apps/v1 ControllerRevision. */
export const controllerRevisionSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('apps/v1'),
  kind: zod.literal('ControllerRevision'),
  metadata: objectMetaSchema().default({}),
  data: zod.unknown().optional().describe('Data is the serialized representation of the state.'),
  revision: int64().default(0).describe('Revision indicates the revision of the state represented by Data.'),
}) satisfies z.ZodType<ControllerRevision>);

/** validateControllerRevision is ValidateControllerRevision and, on update, ValidateControllerRevisionUpdate. */
function validateControllerRevision(cr: ControllerRevision, errs: FieldErrors, old?: ControllerRevision): void {
  if (cr.data === undefined || cr.data === null) errs.required('data', 'data is mandatory');
  errs.nonNegative('revision', cr.revision);
  // The snapshot never changes; only its revision number moves (a rollback renumbers the revision it returns to).
  if (old && !deepEqual(cr.data, old.data)) errs.immutable('data', cr.data);
}

/** controllerName is kube's formatResourceName with kind: `daemonset.apps/agent`, `<none>` without a controller. */
function controllerName(cr: ControllerRevision): string {
  const ref = controllerOf(cr);
  if (!ref) return NONE;
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

export const controllerRevisionKind = defineKind({
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  namespaced: true,
  schema: controllerRevisionSchema,
  validate: validateControllerRevision,
  printer: {
    // kube printers.go printControllerRevision.
    columns: [
      NAME_COLUMN,
      column('Controller', 'Controller of the object'),
      column('Revision', 'Revision indicates the revision of the state represented by Data.'),
      AGE_COLUMN,
    ],
    cells(cr, nowMs) {
      return [cr.metadata.name ?? '', controllerName(cr), cr.revision ?? 0, sinceTimestamp(cr.metadata.creationTimestamp, nowMs)];
    },
  },
});
