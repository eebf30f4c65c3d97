/**
 * @module daemonSetKind: apps/v1 DaemonSet (types, schema, SetDefaults_DaemonSet, validation and the
 * `kubectl get ds` columns), after kube's pkg/apis/apps and pkg/registry/apps/daemonset.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import type { LabelSelector, ObjectMeta } from '../meta.js';
import type { PodTemplateSpec } from '../pod.js';
import { formatLabelSelector } from '../printers/format-label-selector.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, NONE, column, containerCells } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { podTemplateSpecSchema } from '../validation/pod-schema.js';
import { enumString, int, int64, intOrString, mapList } from '../validation/schema-helpers.js';
import { validateIntOrPercent, validateSelectorAndTemplate, validateSelectorUpdate } from '../validation/validate-workload.js';
import { workloadConditionSchema } from '../validation/workload-condition-schema.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** CONTROLLER_REVISION_HASH_LABEL ties a DaemonSet's pods to the template revision they were made from (apps/v1). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export type DaemonSetUpdateStrategyType = 'RollingUpdate' | 'OnDelete';

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: { type?: DaemonSetUpdateStrategyType; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: Array<{ type: string; status: 'True' | 'False' | 'Unknown'; lastTransitionTime?: string; reason?: string; message?: string }>;
}

export interface DaemonSet {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  metadata: ObjectMeta;
  spec: DaemonSetSpec;
  status?: DaemonSetStatus;
}

const APPS_V1 = 'io.k8s.api.apps.v1';

const daemonSetSpec = lazySchema(() => zod
  .object({
    selector: labelSelectorSchema().default({}).describe("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."),
    template: podTemplateSpecSchema()
      .default({ spec: { containers: [] } })
      .describe("An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template's node selector (or on every node if no node selector is specified). The only allowed template.spec.restartPolicy value is \"Always\"."),
    updateStrategy: zod
      .object({
        type: enumString<DaemonSetUpdateStrategyType>().optional().describe('Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.'),
        rollingUpdate: zod
          .object({
            maxUnavailable: intOrString()
              .optional()
              .describe('The maximum number of DaemonSet pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of total number of DaemonSet pods at the start of the update (ex: 10%). Absolute number is calculated from percentage by rounding up. This cannot be 0 if MaxSurge is 0 Default value is 1.'),
            maxSurge: intOrString()
              .optional()
              .describe('The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up to a minimum of 1. Default value is 0.'),
          })
          .meta({ id: `${APPS_V1}.RollingUpdateDaemonSet`, description: 'Spec to control the desired behavior of daemon set rolling update.' })
          .optional()
          .describe('Rolling update config params. Present only if type = "RollingUpdate".'),
      })
      .meta({ id: `${APPS_V1}.DaemonSetUpdateStrategy`, description: 'DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.' })
      .optional()
      .describe('An update strategy to replace existing DaemonSet pods with new pods.'),
    minReadySeconds: int()
      .optional()
      .describe('The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready).'),
    revisionHistoryLimit: int().optional().describe('The number of old history to retain to allow rollback. Defaults to 10.'),
  })
  .meta({ id: `${APPS_V1}.DaemonSetSpec`, description: 'DaemonSetSpec is the specification of a daemon set.' }));

/** daemonSetSchema decodes apps/v1 DaemonSet. */
export const daemonSetSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('apps/v1'),
  kind: zod.literal('DaemonSet'),
  metadata: objectMetaSchema().default({}),
  spec: daemonSetSpec().default({ selector: {}, template: { spec: { containers: [] } } }),
  status: zod
    .object({
      currentNumberScheduled: int().default(0),
      numberMisscheduled: int().default(0),
      desiredNumberScheduled: int().default(0),
      numberReady: int().default(0),
      observedGeneration: int64().optional(),
      updatedNumberScheduled: int().optional(),
      numberAvailable: int().optional(),
      numberUnavailable: int().optional(),
      collisionCount: int().optional(),
      conditions: mapList(workloadConditionSchema().omit({ lastUpdateTime: true }), ['type']).optional(),
    })
    .optional(),
}) satisfies z.ZodType<DaemonSet>);

/** defaultDaemonSet is SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, 10 revisions. */
function defaultDaemonSet(ds: DaemonSet): void {
  const spec = ds.spec;
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodSpec(spec.template.spec);
}

const STRATEGIES: DaemonSetUpdateStrategyType[] = ['RollingUpdate', 'OnDelete'];

/** validateDaemonSet is kube's ValidateDaemonSetSpec. */
function validateDaemonSet(ds: DaemonSet, errs: FieldErrors, old?: DaemonSet): void {
  const spec = ds.spec;
  validateSelectorAndTemplate(spec.selector, spec.template, 'daemonset', errs);
  errs.nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  errs.nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  const strategy = spec.updateStrategy;
  if (strategy?.type !== undefined && !STRATEGIES.includes(strategy.type)) errs.notSupported('spec.updateStrategy.type', strategy.type, STRATEGIES);
  const ru = strategy?.type === 'RollingUpdate' ? strategy.rollingUpdate : undefined;
  if (strategy?.type === 'RollingUpdate' && !ru) errs.required('spec.updateStrategy.rollingUpdate');
  if (ru) {
    const path = 'spec.updateStrategy.rollingUpdate';
    const unavailable = validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`, errs);
    const surge = validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`, errs);
    for (const [field, value, n] of [['maxUnavailable', ru.maxUnavailable, unavailable], ['maxSurge', ru.maxSurge, surge]] as const) {
      if (n !== undefined && typeof value === 'string' && n > 100) errs.invalid(`${path}.${field}`, value, 'must not be greater than 100%');
    }
    if (unavailable === 0 && surge === 0) {
      errs.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'cannot be 0 when maxSurge is 0');
    }
  }
  if (old) validateSelectorUpdate(spec, old.spec, errs);
}

function nodeSelectorText(ds: DaemonSet): string {
  const sel = ds.spec?.template?.spec?.nodeSelector ?? {};
  const text = Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return text || NONE;
}

export const daemonSetKind = defineKind({
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  hasStatus: true,
  schema: daemonSetSchema,
  defaults: defaultDaemonSet,
  validate: validateDaemonSet,
  printer: {
    // kube printers.go printDaemonSet.
    columns: [
      NAME_COLUMN,
      column('Desired', 'The desired number of daemon pods.', { type: 'integer' }),
      column('Current', 'The current number of daemon pods.', { type: 'integer' }),
      column('Ready', 'The number of daemon pods that are ready.', { type: 'integer' }),
      column('Up-to-date', 'The number of daemon pods that are up to date.', { type: 'integer' }),
      column('Available', 'The number of daemon pods that are available.', { type: 'integer' }),
      column('Node Selector', 'The node selector of the daemon pods.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column('Selector', 'A label query over pods that are managed by the daemon set.', { wide: true }),
    ],
    cells(ds, nowMs) {
      const s = ds.status;
      const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
      return [
        ds.metadata.name ?? '',
        s?.desiredNumberScheduled ?? 0,
        s?.currentNumberScheduled ?? 0,
        s?.numberReady ?? 0,
        s?.updatedNumberScheduled ?? 0,
        s?.numberAvailable ?? 0,
        nodeSelectorText(ds),
        sinceTimestamp(ds.metadata.creationTimestamp, nowMs),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ];
    },
  },
  strategy: {
    prepareForCreate(ds) {
      ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    },
  },
});
