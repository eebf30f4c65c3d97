/**
 * @module replicaSetKind: apps/v1 ReplicaSet, with the scale subresource.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ReplicaSet } from '../apps.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import { replicaSetPrinter } from '../printers/replica-set-printer.js';
import { SCALE_SUBRESOURCE } from '../resource-info.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { podTemplateSpecSchema } from '../validation/pod-schema.js';
import { int, int64, mapList } from '../validation/schema-helpers.js';
import { validateReplicaSet, validateSelectorUpdate } from '../validation/validate-workload.js';
import { workloadConditionSchema as workloadCondition } from '../validation/workload-condition-schema.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** replicaSetSchema decodes apps/v1 ReplicaSet. */
export const replicaSetSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('apps/v1'),
  kind: zod.literal('ReplicaSet'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      replicas: int().optional(),
      minReadySeconds: int().optional(),
      selector: labelSelectorSchema().default({}),
      template: podTemplateSpecSchema().optional(),
    })
    .default({ selector: {} }),
  status: zod
    .object({
      replicas: int().default(0),
      fullyLabeledReplicas: int().optional(),
      readyReplicas: int().optional(),
      availableReplicas: int().optional(),
      terminatingReplicas: int().optional(),
      observedGeneration: int64().optional(),
      conditions: mapList(workloadCondition().omit({ lastUpdateTime: true }), ['type']).optional(),
    })
    .optional(),
}) satisfies z.ZodType<ReplicaSet>);

function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec.replicas ??= 1;
  if (rs.spec.template) defaultPodSpec(rs.spec.template.spec);
}

export const replicaSetKind = defineKind({
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  hasStatus: true,
  subresources: [SCALE_SUBRESOURCE],
  schema: replicaSetSchema,
  defaults: defaultReplicaSet,
  validate(rs, errs, old) {
    validateReplicaSet(rs, errs);
    if (old) validateSelectorUpdate(rs.spec, old.spec, errs);
  },
  fields: { 'status.replicas': (rs: ReplicaSet) => String(rs.status?.replicas ?? 0) },
  printer: replicaSetPrinter,
});
