/**
 * @module Wire schemas for core/v1 Pod, its spec and status, PodTemplateSpec and Binding.
 */
import { z } from 'zod';
import type {
  Affinity,
  Binding,
  Container,
  ContainerState,
  ContainerStatus,
  ExecAction,
  HTTPGetAction,
  NodeSelectorTerm,
  Pod,
  PodAffinityTerm,
  PodCondition,
  PodSpec,
  PodStatus,
  PodTemplateSpec,
  Probe,
  TCPSocketAction,
  Toleration,
  Volume,
} from '../pod.js';
import { labelSelectorSchema, objectMetaSchema } from './meta-schema.js';
import { enumString, int, int64, intOrString, quantity, quantityMap, requiredEnum, stringList, stringMap } from './schema-helpers.js';

const execAction = z.object({ command: stringList().optional() }) satisfies z.ZodType<ExecAction>;
const httpGetAction = z.object({
  path: z.string().optional(),
  port: intOrString().default(0),
  host: z.string().optional(),
  scheme: enumString<'HTTP' | 'HTTPS'>().optional(),
  httpHeaders: z.array(z.object({ name: z.string().default(''), value: z.string().default('') })).optional(),
}) satisfies z.ZodType<HTTPGetAction>;
const tcpSocketAction = z.object({ port: intOrString().default(0), host: z.string().optional() }) satisfies z.ZodType<TCPSocketAction>;
const handler = z.object({ exec: execAction.optional(), httpGet: httpGetAction.optional(), tcpSocket: tcpSocketAction.optional() });

const probe = handler.extend({
  initialDelaySeconds: int().optional(),
  timeoutSeconds: int().optional(),
  periodSeconds: int().optional(),
  successThreshold: int().optional(),
  failureThreshold: int().optional(),
  terminationGracePeriodSeconds: int64().optional(),
}) satisfies z.ZodType<Probe>;

const keyRef = z.object({ name: z.string().default(''), key: z.string().default(''), optional: z.boolean().optional() });

/** containerSchema decodes core/v1 Container (used for containers and initContainers). */
export const containerSchema = z.object({
  name: z.string().default(''),
  image: z.string().optional(),
  command: stringList().optional(),
  args: stringList().optional(),
  workingDir: z.string().optional(),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        containerPort: int().default(0),
        hostPort: int().optional(),
        hostIP: z.string().optional(),
        protocol: enumString<'TCP' | 'UDP' | 'SCTP'>().optional(),
      }),
    )
    .optional(),
  env: z
    .array(
      z.object({
        name: z.string().default(''),
        value: z.string().optional(),
        valueFrom: z
          .object({
            fieldRef: z.object({ apiVersion: z.string().optional(), fieldPath: z.string().default('') }).optional(),
            resourceFieldRef: z
              .object({ containerName: z.string().optional(), resource: z.string().default(''), divisor: quantity().optional() })
              .optional(),
            configMapKeyRef: keyRef.optional(),
            secretKeyRef: keyRef.optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  resources: z.object({ limits: quantityMap().optional(), requests: quantityMap().optional() }).optional(),
  volumeMounts: z
    .array(
      z.object({
        name: z.string().default(''),
        mountPath: z.string().default(''),
        readOnly: z.boolean().optional(),
        subPath: z.string().optional(),
      }),
    )
    .optional(),
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  startupProbe: probe.optional(),
  lifecycle: z.object({ postStart: handler.optional(), preStop: handler.optional() }).optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: enumString<'File' | 'FallbackToLogsOnError'>().optional(),
  imagePullPolicy: enumString<'Always' | 'IfNotPresent' | 'Never'>().optional(),
  securityContext: z
    .object({
      runAsUser: int64().optional(),
      runAsGroup: int64().optional(),
      runAsNonRoot: z.boolean().optional(),
      readOnlyRootFilesystem: z.boolean().optional(),
      privileged: z.boolean().optional(),
      allowPrivilegeEscalation: z.boolean().optional(),
      capabilities: z.object({ add: stringList().optional(), drop: stringList().optional() }).optional(),
    })
    .optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
}) satisfies z.ZodType<Container>;

const volume = z.object({
  name: z.string().default(''),
  emptyDir: z.object({ medium: z.string().optional(), sizeLimit: quantity().optional() }).optional(),
  hostPath: z.object({ path: z.string().default(''), type: z.string().optional() }).optional(),
  configMap: z.object({ name: z.string().optional(), optional: z.boolean().optional(), defaultMode: int().optional() }).optional(),
  secret: z.object({ secretName: z.string().optional(), optional: z.boolean().optional(), defaultMode: int().optional() }).optional(),
}) satisfies z.ZodType<Volume>;

const toleration = z.object({
  key: z.string().optional(),
  operator: enumString<'Exists' | 'Equal'>().optional(),
  value: z.string().optional(),
  effect: enumString<'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | ''>().optional(),
  tolerationSeconds: int64().optional(),
}) satisfies z.ZodType<Toleration>;

const nodeSelectorRequirement = z.object({
  key: z.string().default(''),
  operator: requiredEnum<'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt'>(),
  values: stringList().optional(),
});
const nodeSelectorTerm = z.object({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeSelectorRequirement).optional(),
}) satisfies z.ZodType<NodeSelectorTerm>;
const podAffinityTerm = z.object({
  labelSelector: labelSelectorSchema.optional(),
  namespaces: stringList().optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  topologyKey: z.string().default(''),
}) satisfies z.ZodType<PodAffinityTerm>;
const podAffinity = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z
    .array(z.object({ weight: int().default(0), podAffinityTerm: podAffinityTerm.default({ topologyKey: '' }) }))
    .optional(),
});
const affinity = z.object({
  nodeAffinity: z
    .object({
      requiredDuringSchedulingIgnoredDuringExecution: z.object({ nodeSelectorTerms: z.array(nodeSelectorTerm).default([]) }).optional(),
      preferredDuringSchedulingIgnoredDuringExecution: z
        .array(z.object({ weight: int().default(0), preference: nodeSelectorTerm.default({}) }))
        .optional(),
    })
    .optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
}) satisfies z.ZodType<Affinity>;

/** podSpecSchema decodes core/v1 PodSpec; a missing containers list decodes as [] so validation reports it (422). */
export const podSpecSchema = z.object({
  containers: z.array(containerSchema).default([]),
  initContainers: z.array(containerSchema).optional(),
  volumes: z.array(volume).optional(),
  restartPolicy: enumString<'Always' | 'OnFailure' | 'Never'>().optional(),
  terminationGracePeriodSeconds: int64().optional(),
  activeDeadlineSeconds: int64().optional(),
  dnsPolicy: enumString<'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None'>().optional(),
  nodeSelector: stringMap().optional(),
  serviceAccountName: z.string().optional(),
  serviceAccount: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  securityContext: z
    .object({
      runAsUser: int64().optional(),
      runAsGroup: int64().optional(),
      runAsNonRoot: z.boolean().optional(),
      fsGroup: int64().optional(),
      supplementalGroups: z.array(int64()).optional(),
    })
    .optional(),
  imagePullSecrets: z.array(z.object({ name: z.string().default('') })).optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  affinity: affinity.optional(),
  schedulerName: z.string().optional(),
  tolerations: z.array(toleration).optional(),
  priorityClassName: z.string().optional(),
  priority: int().optional(),
  enableServiceLinks: z.boolean().optional(),
  preemptionPolicy: enumString<'PreemptLowerPriority' | 'Never'>().optional(),
  readinessGates: z.array(z.object({ conditionType: z.string().default('') })).optional(),
}) satisfies z.ZodType<PodSpec>;

const podCondition = z.object({
  type: z.string().default(''),
  status: requiredEnum<'True' | 'False' | 'Unknown'>(),
  lastProbeTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
}) satisfies z.ZodType<PodCondition>;

const containerState = z.object({
  waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
  running: z.object({ startedAt: z.string().optional() }).optional(),
  terminated: z
    .object({
      exitCode: int().default(0),
      signal: int().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      containerID: z.string().optional(),
    })
    .optional(),
}) satisfies z.ZodType<ContainerState>;

const containerStatus = z.object({
  name: z.string().default(''),
  state: containerState.optional(),
  lastState: containerState.optional(),
  ready: z.boolean().default(false),
  restartCount: int().default(0),
  image: z.string().default(''),
  imageID: z.string().default(''),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
}) satisfies z.ZodType<ContainerStatus>;

const podIP = z.object({ ip: z.string().default('') });

/** podStatusSchema decodes core/v1 PodStatus (written by the node agent through pods/status). */
export const podStatusSchema = z.object({
  phase: enumString<'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'>().optional(),
  conditions: z.array(podCondition).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  nominatedNodeName: z.string().optional(),
  hostIP: z.string().optional(),
  hostIPs: z.array(podIP).optional(),
  podIP: z.string().optional(),
  podIPs: z.array(podIP).optional(),
  startTime: z.string().optional(),
  initContainerStatuses: z.array(containerStatus).optional(),
  containerStatuses: z.array(containerStatus).optional(),
  qosClass: enumString<'Guaranteed' | 'Burstable' | 'BestEffort'>().optional(),
  observedGeneration: int64().optional(),
}) satisfies z.ZodType<PodStatus>;

/** podSchema decodes a whole core/v1 Pod. */
export const podSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMetaSchema.default({}),
  spec: podSpecSchema.default({ containers: [] }),
  status: podStatusSchema.optional(),
}) satisfies z.ZodType<Pod>;

/** podTemplateSpecSchema decodes the pod template inside ReplicaSets and Deployments. */
export const podTemplateSpecSchema = z.object({
  metadata: objectMetaSchema.optional(),
  spec: podSpecSchema.default({ containers: [] }),
}) satisfies z.ZodType<PodTemplateSpec>;

/** bindingSchema decodes the body the scheduler posts to pods/binding. */
export const bindingSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Binding'),
  metadata: objectMetaSchema.default({}),
  target: z
    .object({ apiVersion: z.string().optional(), kind: z.string().optional(), name: z.string().default(''), namespace: z.string().optional() })
    .default({ name: '' }),
}) satisfies z.ZodType<Binding>;
