/**
 * @module deploymentKind: apps/v1 Deployment, with the scale subresource.
 */
import { z } from 'zod';
import type { Deployment } from '../apps.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import { deploymentPrinter } from '../printers/deployment-printer.js';
import { SCALE_SUBRESOURCE } from '../resource-info.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { podTemplateSpecSchema } from '../validation/pod-schema.js';
import { enumString, int, int64, intOrString } from '../validation/schema-helpers.js';
import { validateDeployment, validateSelectorUpdate } from '../validation/validate-workload.js';
import { workloadConditionSchema as workloadCondition } from '../validation/workload-condition-schema.js';
import { defineKind } from './kind.js';

/** DEFAULT_ROLLING_UPDATE_PERCENT is the maxSurge and maxUnavailable a Deployment gets by default. */
export const DEFAULT_ROLLING_UPDATE_PERCENT = '25%';

/** deploymentSchema decodes apps/v1 Deployment. */
export const deploymentSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: objectMetaSchema.default({}),
  spec: z
    .object({
      replicas: int().optional(),
      selector: labelSelectorSchema.default({}),
      template: podTemplateSpecSchema.default({ spec: { containers: [] } }),
      strategy: z
        .object({
          type: enumString<'Recreate' | 'RollingUpdate'>().optional(),
          rollingUpdate: z.object({ maxUnavailable: intOrString().optional(), maxSurge: intOrString().optional() }).optional(),
        })
        .optional(),
      minReadySeconds: int().optional(),
      revisionHistoryLimit: int().optional(),
      paused: z.boolean().optional(),
      progressDeadlineSeconds: int().optional(),
    })
    .default({ selector: {}, template: { spec: { containers: [] } } }),
  status: z
    .object({
      observedGeneration: int64().optional(),
      replicas: int().optional(),
      updatedReplicas: int().optional(),
      readyReplicas: int().optional(),
      availableReplicas: int().optional(),
      unavailableReplicas: int().optional(),
      terminatingReplicas: int().optional(),
      conditions: z.array(workloadCondition).optional(),
      collisionCount: int().optional(),
    })
    .optional(),
}) satisfies z.ZodType<Deployment>;

function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const strategy = (spec.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= DEFAULT_ROLLING_UPDATE_PERCENT;
    ru.maxSurge ??= DEFAULT_ROLLING_UPDATE_PERCENT;
  } else {
    // A switch to Recreate by a merge patch leaves the old rollingUpdate behind; it means nothing for Recreate.
    delete strategy.rollingUpdate;
  }
  defaultPodSpec(spec.template.spec);
}

export const deploymentKind = defineKind({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  hasStatus: true,
  subresources: [SCALE_SUBRESOURCE],
  schema: deploymentSchema,
  defaults: defaultDeployment,
  validate(d, errs, old) {
    validateDeployment(d, errs);
    if (old) validateSelectorUpdate(d.spec, old.spec, errs);
  },
  printer: deploymentPrinter,
});
