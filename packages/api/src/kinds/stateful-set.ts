/**
 * @module statefulSetKind: apps/v1 StatefulSet (types, schema, SetDefaults_StatefulSet, validation, the scale
 * subresource and `kubectl get sts` columns), after kube's pkg/apis/apps and pkg/registry/apps/statefulset.
 * volumeClaimTemplates are PersistentVolumeClaims the controller makes per pod (`<template>-<set>-<ordinal>`).
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import type { LabelSelector, ObjectMeta } from '../meta.js';
import type { PodTemplateSpec } from '../pod.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, containerCells } from '../printers/resource-printer.js';
import { SCALE_SUBRESOURCE } from '../resource-info.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { podTemplateSpecSchema } from '../validation/pod-schema.js';
import { enumString, int, int64, intOrString, mapList } from '../validation/schema-helpers.js';
import { validateSelectorAndTemplate, validateSelectorUpdate } from '../validation/validate-workload.js';
import { workloadConditionSchema } from '../validation/workload-condition-schema.js';
import { deepEqual } from '../validation/validate-pod-update.js';
import { defineKind } from './kind.js';
import { persistentVolumeClaimSpecSchema, validateClaimSpec, type PersistentVolumeClaimSpec } from './persistent-volume-claim.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** Labels the StatefulSet controller puts on each pod (apps/v1 constants). */
export const STATEFUL_SET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type PodManagementPolicy = 'OrderedReady' | 'Parallel';
export type StatefulSetUpdateStrategyType = 'RollingUpdate' | 'OnDelete';

/** PersistentVolumeClaimTemplate is a StatefulSet's claim template: a claim's metadata and spec, no status. */
export interface PersistentVolumeClaimTemplate {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: PersistentVolumeClaimSpec;
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  volumeClaimTemplates?: PersistentVolumeClaimTemplate[];
  serviceName?: string;
  podManagementPolicy?: PodManagementPolicy;
  updateStrategy?: { type?: StatefulSetUpdateStrategyType; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete'; whenScaled?: 'Retain' | 'Delete' };
  ordinals?: { start?: number };
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas?: number;
  conditions?: Array<{ type: string; status: 'True' | 'False' | 'Unknown'; lastTransitionTime?: string; reason?: string; message?: string }>;
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}

/** statefulSetSchema decodes apps/v1 StatefulSet. */
export const statefulSetSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('apps/v1'),
  kind: zod.literal('StatefulSet'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      replicas: int().optional().describe('replicas is the desired number of replicas of the given Template. Defaults to 1.'),
      selector: labelSelectorSchema().default({}).describe("selector is a label query over pods that should match the replica count. It must match the pod template's labels."),
      template: podTemplateSpecSchema().default({ spec: { containers: [] } }).describe('template is the object that describes the pod that will be created if insufficient replicas are detected.'),
      volumeClaimTemplates: zod
        .array(zod.object({ apiVersion: zod.string().optional(), kind: zod.string().optional(), metadata: objectMetaSchema().default({}), spec: persistentVolumeClaimSpecSchema().default({}) }))
        .optional().describe('volumeClaimTemplates is a list of claims that pods are allowed to reference.'),
      serviceName: zod.string().optional().describe('serviceName is the name of the service that governs this StatefulSet; pods get DNS names pod-specific-string.serviceName.default.svc.cluster.local.'),
      podManagementPolicy: enumString<PodManagementPolicy>().optional().describe('podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. OrderedReady (default) or Parallel.'),
      updateStrategy: zod
        .object({
          type: enumString<StatefulSetUpdateStrategyType>().optional(),
          rollingUpdate: zod.object({ partition: int().optional(), maxUnavailable: intOrString().optional() }).optional(),
        })
        .optional()
        .describe('updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template.'),
      revisionHistoryLimit: int().optional(),
      minReadySeconds: int().optional(),
      persistentVolumeClaimRetentionPolicy: zod.object({ whenDeleted: enumString<'Retain' | 'Delete'>().optional(), whenScaled: enumString<'Retain' | 'Delete'>().optional() }).optional(),
      ordinals: zod.object({ start: int().optional() }).optional(),
    })
    .default({ selector: {}, template: { spec: { containers: [] } } }),
  status: zod
    .object({
      observedGeneration: int64().optional(),
      replicas: int().default(0),
      readyReplicas: int().optional(),
      currentReplicas: int().optional(),
      updatedReplicas: int().optional(),
      currentRevision: zod.string().optional(),
      updateRevision: zod.string().optional(),
      collisionCount: int().optional(),
      availableReplicas: int().optional(),
      conditions: mapList(workloadConditionSchema().omit({ lastUpdateTime: true }), ['type']).optional(),
    })
    .optional(),
}) satisfies z.ZodType<StatefulSet>);

/** defaultStatefulSet is SetDefaults_StatefulSet. */
function defaultStatefulSet(sts: StatefulSet): void {
  const spec = sts.spec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') (strategy.rollingUpdate ??= {}).partition ??= 0;
  spec.revisionHistoryLimit ??= 10;
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  defaultPodSpec(spec.template.spec);
}

const POLICIES: PodManagementPolicy[] = ['OrderedReady', 'Parallel'];
const STRATEGIES: StatefulSetUpdateStrategyType[] = ['RollingUpdate', 'OnDelete'];

/** withClaimVolumes is the pod template with a volume per claim template, in place of any volume of that name. */
function withClaimVolumes(spec: StatefulSetSpec): PodTemplateSpec {
  const templates = spec.volumeClaimTemplates ?? [];
  if (!templates.length) return spec.template;
  const names = new Set(templates.map((t) => t.metadata.name));
  // Unnamed and duplicate templates are reported on volumeClaimTemplates, not again as pod volumes.
  const claims = [...names].filter((n): n is string => !!n).map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  return { ...spec.template, spec: { ...spec.template.spec, volumes: [...claims, ...(spec.template.spec.volumes ?? []).filter((v) => !names.has(v.name))] } };
}

/**
 * validateClaimTemplates checks each claim template as a claim (ValidatePersistentVolumeClaimSpec) with a name,
 * and that no pod volume shadows one: the controller adds a volume named after each template.
 */
function validateClaimTemplates(spec: StatefulSetSpec, errs: FieldErrors): void {
  const names = new Set<string>();
  spec.volumeClaimTemplates?.forEach((t, i) => {
    const p = `spec.volumeClaimTemplates[${i}]`;
    const name = t.metadata.name;
    if (!name) errs.required(`${p}.metadata.name`);
    else if (names.has(name)) errs.duplicate(`${p}.metadata.name`, name);
    else names.add(name);
    validateClaimSpec(t.spec, `${p}.spec`, errs);
  });
}

/** validateStatefulSet is kube's ValidateStatefulSetSpec and, on update, ValidateStatefulSetUpdate. */
function validateStatefulSet(sts: StatefulSet, errs: FieldErrors, old?: StatefulSet): void {
  const spec = sts.spec;
  errs.nonNegative('spec.replicas', spec.replicas);
  errs.nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  // Mounts may name a claim template: validate the template as the controller makes its pods (kube's TODO in
  // ValidatePodTemplateSpecForStatefulSet: "the union of the given volumes and volumeClaims match volume mounts").
  validateSelectorAndTemplate(spec.selector, withClaimVolumes(spec), 'statefulset', errs);
  if (spec.podManagementPolicy !== undefined && !POLICIES.includes(spec.podManagementPolicy)) errs.notSupported('spec.podManagementPolicy', spec.podManagementPolicy, POLICIES);
  const type = spec.updateStrategy?.type;
  if (type !== undefined && !STRATEGIES.includes(type)) errs.notSupported('spec.updateStrategy.type', type, STRATEGIES);
  if (type === 'OnDelete' && spec.updateStrategy?.rollingUpdate) errs.invalid('spec.updateStrategy.rollingUpdate', '', 'only allowed for updateStrategy \'RollingUpdate\'');
  errs.nonNegative('spec.updateStrategy.rollingUpdate.partition', spec.updateStrategy?.rollingUpdate?.partition);
  errs.nonNegative('spec.ordinals.start', spec.ordinals?.start);
  validateClaimTemplates(spec, errs);
  if (!old) return;
  validateSelectorUpdate(spec, old.spec, errs);
  // Only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
  for (const field of ['serviceName', 'podManagementPolicy', 'volumeClaimTemplates'] as const) {
    if (!deepEqual(spec[field], old.spec[field])) {
      errs.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
      return;
    }
  }
}

export const statefulSetKind = defineKind({
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  hasStatus: true,
  subresources: [SCALE_SUBRESOURCE],
  schema: statefulSetSchema,
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  printer: {
    // kube printers.go printStatefulSet.
    columns: [
      NAME_COLUMN,
      column('Ready', 'Number of the pod with ready state'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
    ],
    cells(sts, nowMs) {
      const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
      return [sts.metadata.name ?? '', `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, sinceTimestamp(sts.metadata.creationTimestamp, nowMs), names, images];
    },
  },
  strategy: {
    prepareForCreate(sts) {
      sts.status = { replicas: 0 };
    },
  },
});
