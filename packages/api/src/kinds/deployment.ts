/**
 * @module deploymentKind: apps/v1 Deployment, with the scale subresource.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { Deployment } from '../apps.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import { deploymentPrinter } from '../printers/deployment-printer.js';
import { SCALE_SUBRESOURCE } from '../resource-info.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { podTemplateSpecSchema } from '../validation/pod-schema.js';
import { enumString, int, int64, intOrString, mapList } from '../validation/schema-helpers.js';
import { validateDeployment, validateSelectorUpdate } from '../validation/validate-workload.js';
import { workloadConditionSchema as workloadCondition } from '../validation/workload-condition-schema.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** DEFAULT_ROLLING_UPDATE_PERCENT is the maxSurge and maxUnavailable a Deployment gets by default. */
export const DEFAULT_ROLLING_UPDATE_PERCENT = '25%';

const APPS_V1 = 'io.k8s.api.apps.v1';

const rollingUpdateDeployment = lazySchema(() => zod
  .object({
    maxUnavailable: intOrString()
      .optional()
      .describe(
        'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding down. This can not be 0 if MaxSurge is 0. Defaults to 25%.',
      ),
    maxSurge: intOrString()
      .optional()
      .describe(
        'The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up. Defaults to 25%.',
      ),
  })
  .meta({ id: `${APPS_V1}.RollingUpdateDeployment`, description: 'Spec to control the desired behavior of rolling update.' }));

const deploymentStrategy = lazySchema(() => zod
  .object({
    type: enumString<'Recreate' | 'RollingUpdate'>()
      .optional()
      .describe('Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.'),
    rollingUpdate: rollingUpdateDeployment()
      .optional()
      .describe('Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.'),
  })
  .meta({ id: `${APPS_V1}.DeploymentStrategy`, description: 'DeploymentStrategy describes how to replace existing pods with new ones.' }));

const deploymentSpec = lazySchema(() => zod
  .object({
    replicas: int()
      .optional()
      .describe('Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.'),
    selector: labelSelectorSchema()
      .default({})
      .describe("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
    template: podTemplateSpecSchema()
      .default({ spec: { containers: [] } })
      .describe('Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".'),
    strategy: deploymentStrategy().optional().describe('The deployment strategy to use to replace existing pods with new ones.'),
    minReadySeconds: int()
      .optional()
      .describe('Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)'),
    revisionHistoryLimit: int()
      .optional()
      .describe('The number of old ReplicaSets to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified. Defaults to 10.'),
    paused: zod.boolean().optional().describe('Indicates that the deployment is paused.'),
    progressDeadlineSeconds: int()
      .optional()
      .describe('The maximum time in seconds for a deployment to make progress before it is considered to be failed. The deployment controller will continue to process failed deployments and a condition with a ProgressDeadlineExceeded reason will be surfaced in the deployment status. Defaults to 600s.'),
  })
  .meta({ id: `${APPS_V1}.DeploymentSpec`, description: 'DeploymentSpec is the specification of the desired behavior of the Deployment.' }));

const deploymentStatus = lazySchema(() => zod
  .object({
    observedGeneration: int64().optional().describe('The generation observed by the deployment controller.'),
    replicas: int().optional().describe('Total number of non-terminating pods targeted by this deployment (their labels match the selector).'),
    updatedReplicas: int().optional().describe('Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
    readyReplicas: int().optional().describe('Total number of non-terminating pods targeted by this Deployment with a Ready Condition.'),
    availableReplicas: int()
      .optional()
      .describe('Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
    unavailableReplicas: int().optional().describe('Total number of unavailable pods targeted by this deployment.'),
    terminatingReplicas: int().optional().describe('Total number of terminating pods targeted by this deployment.'),
    conditions: mapList(workloadCondition(), ['type']).optional().describe("Represents the latest available observations of a deployment's current state."),
    collisionCount: int()
      .optional()
      .describe('Count of hash collisions for the Deployment. The Deployment controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.'),
  })
  .meta({ id: `${APPS_V1}.DeploymentStatus`, description: 'DeploymentStatus is the most recently observed status of the Deployment.' }));

/** deploymentSchema decodes apps/v1 Deployment. */
export const deploymentSchema = lazySchema(() => zod
  .object({
    apiVersion: zod.literal('apps/v1'),
    kind: zod.literal('Deployment'),
    metadata: objectMetaSchema().default({}),
    spec: deploymentSpec()
      .default({ selector: {}, template: { spec: { containers: [] } } })
      .describe('Specification of the desired behavior of the Deployment.'),
    status: deploymentStatus().optional().describe('Most recently observed status of the Deployment.'),
  })
  .describe('Deployment enables declarative updates for Pods and ReplicaSets.') satisfies z.ZodType<Deployment>);

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
