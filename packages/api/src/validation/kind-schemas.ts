/**
 * @module Wire schemas for the kinds other than Pod: Namespace, Node, Event, Lease, ReplicaSet, Deployment, Scale.
 */
import { z } from 'zod';
import type { Deployment, ReplicaSet, Scale } from '../apps.js';
import type { Event, ObjectReference } from '../event.js';
import type { Lease } from '../lease.js';
import type { Namespace } from '../namespace.js';
import type { Node, NodeAddress, NodeSystemInfo } from '../node.js';
import { labelSelectorSchema, objectMetaSchema } from './meta-schema.js';
import { podTemplateSpecSchema } from './pod-schema.js';
import { enumString, int, int64, intOrString, quantityMap, requiredEnum, stringList } from './schema-helpers.js';

/** namespaceSchema decodes core/v1 Namespace. */
export const namespaceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: objectMetaSchema.default({}),
  spec: z.object({ finalizers: stringList().optional() }).optional(),
  status: z
    .object({ phase: enumString<'Active' | 'Terminating'>().optional(), conditions: z.array(z.unknown()).optional() })
    .optional(),
}) satisfies z.ZodType<Namespace>;

const nodeSystemInfo = z.object({
  machineID: z.string().default(''),
  systemUUID: z.string().default(''),
  bootID: z.string().default(''),
  kernelVersion: z.string().default(''),
  osImage: z.string().default(''),
  containerRuntimeVersion: z.string().default(''),
  kubeletVersion: z.string().default(''),
  kubeProxyVersion: z.string().default(''),
  operatingSystem: z.string().default(''),
  architecture: z.string().default(''),
}) satisfies z.ZodType<NodeSystemInfo>;

/** nodeSchema decodes core/v1 Node. */
export const nodeSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: objectMetaSchema.default({}),
  spec: z
    .object({
      podCIDR: z.string().optional(),
      podCIDRs: stringList().optional(),
      providerID: z.string().optional(),
      unschedulable: z.boolean().optional(),
      taints: z
        .array(
          z.object({
            key: z.string().default(''),
            value: z.string().optional(),
            effect: requiredEnum<'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'>(),
            timeAdded: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  status: z
    .object({
      capacity: quantityMap().optional(),
      allocatable: quantityMap().optional(),
      phase: z.string().optional(),
      conditions: z
        .array(
          z.object({
            type: z.string().default(''),
            status: requiredEnum<'True' | 'False' | 'Unknown'>(),
            lastHeartbeatTime: z.string().optional(),
            lastTransitionTime: z.string().optional(),
            reason: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
      addresses: z
        .array(z.object({ type: requiredEnum<NodeAddress['type']>(), address: z.string().default('') }))
        .optional(),
      daemonEndpoints: z.object({ kubeletEndpoint: z.object({ Port: int().default(0) }).optional() }).optional(),
      nodeInfo: nodeSystemInfo.optional(),
      images: z.array(z.object({ names: stringList().optional(), sizeBytes: int64().optional() })).optional(),
    })
    .optional(),
}) satisfies z.ZodType<Node>;

const objectReference = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
}) satisfies z.ZodType<ObjectReference>;

/** eventSchema decodes core/v1 Event. */
export const eventSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Event'),
  metadata: objectMetaSchema.default({}),
  involvedObject: objectReference.default({}),
  reason: z.string().optional(),
  message: z.string().optional(),
  source: z.object({ component: z.string().optional(), host: z.string().optional() }).optional(),
  firstTimestamp: z.string().optional(),
  lastTimestamp: z.string().optional(),
  count: int().optional(),
  type: z.string().optional(),
  eventTime: z.string().optional(),
  series: z.object({ count: int().optional(), lastObservedTime: z.string().optional() }).optional(),
  action: z.string().optional(),
  related: objectReference.optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
}) satisfies z.ZodType<Event>;

/** leaseSchema decodes coordination.k8s.io/v1 Lease. */
export const leaseSchema = z.object({
  apiVersion: z.literal('coordination.k8s.io/v1'),
  kind: z.literal('Lease'),
  metadata: objectMetaSchema.default({}),
  spec: z
    .object({
      holderIdentity: z.string().optional(),
      leaseDurationSeconds: int().optional(),
      acquireTime: z.string().optional(),
      renewTime: z.string().optional(),
      leaseTransitions: int().optional(),
    })
    .optional(),
}) satisfies z.ZodType<Lease>;

const workloadCondition = z.object({
  type: z.string().default(''),
  status: requiredEnum<'True' | 'False' | 'Unknown'>(),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** replicaSetSchema decodes apps/v1 ReplicaSet. */
export const replicaSetSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('ReplicaSet'),
  metadata: objectMetaSchema.default({}),
  spec: z
    .object({
      replicas: int().optional(),
      minReadySeconds: int().optional(),
      selector: labelSelectorSchema.default({}),
      template: podTemplateSpecSchema.optional(),
    })
    .default({ selector: {} }),
  status: z
    .object({
      replicas: int().default(0),
      fullyLabeledReplicas: int().optional(),
      readyReplicas: int().optional(),
      availableReplicas: int().optional(),
      terminatingReplicas: int().optional(),
      observedGeneration: int64().optional(),
      conditions: z.array(workloadCondition.omit({ lastUpdateTime: true })).optional(),
    })
    .optional(),
}) satisfies z.ZodType<ReplicaSet>;

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

/** scaleSchema decodes autoscaling/v1 Scale, the body of PUT deployments/scale. */
export const scaleSchema = z.object({
  apiVersion: z.literal('autoscaling/v1'),
  kind: z.literal('Scale'),
  metadata: objectMetaSchema.default({}),
  spec: z.object({ replicas: int().optional() }).default({}),
  status: z.object({ replicas: int().default(0), selector: z.string().optional() }).optional(),
}) satisfies z.ZodType<Scale>;
