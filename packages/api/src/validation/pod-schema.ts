/**
 * @module Wire schemas for core/v1 Pod, its spec and status, PodTemplateSpec and Binding.
 */
import type { z } from 'zod';
import { zod } from './zod.js';
import type {
  Affinity,
  Binding,
  Container,
  ContainerState,
  ContainerStatus,
  EphemeralContainer,
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
import { atomicList, atomicMap, enumString, int, int64, intOrString, mapList, quantity, quantityMap, requiredEnum, stringList, stringMap } from './schema-helpers.js';
import { lazySchema } from './lazy-schema.js';

const CORE_V1 = 'io.k8s.api.core.v1';

const execAction = lazySchema(() => zod.object({ command: stringList().optional() }) satisfies z.ZodType<ExecAction>);
const httpGetAction = lazySchema(() => zod.object({
  path: zod.string().optional(),
  port: intOrString().default(0),
  host: zod.string().optional(),
  scheme: enumString<'HTTP' | 'HTTPS'>().optional(),
  httpHeaders: zod.array(zod.object({ name: zod.string().default(''), value: zod.string().default('') })).optional(),
}) satisfies z.ZodType<HTTPGetAction>);
const tcpSocketAction = lazySchema(() => zod.object({ port: intOrString().default(0), host: zod.string().optional() }) satisfies z.ZodType<TCPSocketAction>);
const handler = lazySchema(() => zod.object({ exec: execAction().optional(), httpGet: httpGetAction().optional(), tcpSocket: tcpSocketAction().optional() }));

const probe = lazySchema(() => handler().extend({
  initialDelaySeconds: int().optional(),
  timeoutSeconds: int().optional(),
  periodSeconds: int().optional(),
  successThreshold: int().optional(),
  failureThreshold: int().optional(),
  terminationGracePeriodSeconds: int64().optional(),
}) satisfies z.ZodType<Probe>);

/** seccompProfile and appArmorProfile share one shape. */
const profile = lazySchema(() => zod.object({ type: zod.string().default(''), localhostProfile: zod.string().optional() }));
const seLinuxOptions = lazySchema(() => zod.object({ user: zod.string().optional(), role: zod.string().optional(), type: zod.string().optional(), level: zod.string().optional() }));

const keyRef = lazySchema(() => zod.object({ name: zod.string().default(''), key: zod.string().default(''), optional: zod.boolean().optional() }));

const containerPortSchema = lazySchema(() => zod
  .object({
    name: zod
      .string()
      .optional()
      .describe('If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name. Name for the port that can be referred to by services.'),
    containerPort: int()
      .default(0)
      .describe("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536."),
    hostPort: int()
      .optional()
      .describe('Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536. If HostNetwork is specified, this must match ContainerPort. Most containers do not need this.'),
    hostIP: zod.string().optional().describe('What host IP to bind the external port to.'),
    // The published default lets a patch that leaves protocol out still find its element (merge key containerPort+protocol).
    protocol: enumString<'TCP' | 'UDP' | 'SCTP'>()
      .optional()
      .meta({ default: 'TCP', description: 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".' }),
  })
  .meta({ id: `${CORE_V1}.ContainerPort`, description: 'ContainerPort represents a network port in a single container.' }));

const envVarSchema = lazySchema(() => zod
  .object({
    name: zod.string().default('').describe('Name of the environment variable. Must be a C_IDENTIFIER.'),
    value: zod
      .string()
      .optional()
      .describe('Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. Defaults to "".'),
    valueFrom: zod
      .object({
        fieldRef: zod.object({ apiVersion: zod.string().optional(), fieldPath: zod.string().default('') }).optional(),
        resourceFieldRef: zod
          .object({ containerName: zod.string().optional(), resource: zod.string().default(''), divisor: quantity().optional() })
          .optional(),
        configMapKeyRef: keyRef().optional(),
        secretKeyRef: keyRef().optional(),
      })
      .meta({ id: `${CORE_V1}.EnvVarSource`, description: "EnvVarSource represents a source for the value of an EnvVar." })
      .optional()
      .describe("Source for the environment variable's value. Cannot be used if value is not empty."),
  })
  .meta({ id: `${CORE_V1}.EnvVar`, description: 'EnvVar represents an environment variable present in a Container.' }));

const volumeMountSchema = lazySchema(() => zod
  .object({
    name: zod.string().default('').describe('This must match the Name of a Volume.'),
    mountPath: zod.string().default('').describe("Path within the container at which the volume should be mounted. Must not contain ':'."),
    readOnly: zod.boolean().optional().describe('Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.'),
    subPath: zod.string().optional().describe('Path within the volume from which the container\'s volume should be mounted. Defaults to "" (volume\'s root).'),
    subPathExpr: zod
      .string()
      .optional()
      .describe('Expanded path within the volume from which the container\'s volume should be mounted. Behaves similarly to SubPath but environment variable references $(VAR_NAME) are expanded using the container\'s environment. Defaults to "" (volume\'s root). SubPathExpr and SubPath are mutually exclusive.'),
  })
  .meta({ id: `${CORE_V1}.VolumeMount`, description: 'VolumeMount describes a mounting of a Volume within a container.' }));

/** containerSchema decodes core/v1 Container (used for containers and initContainers). */
export const containerSchema = lazySchema(() => zod
  .object({
  name: zod
    .string()
    .default('')
    .describe('Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.'),
  image: zod
    .string()
    .optional()
    .describe('Container image name. This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.'),
  command: stringList()
    .optional()
    .describe("Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided. Cannot be updated."),
  args: stringList()
    .optional()
    .describe("Arguments to the entrypoint. The container image's CMD is used if this is not provided. Cannot be updated."),
  workingDir: zod
    .string()
    .optional()
    .describe("Container's working directory. If not specified, the container runtime's default will be used, which might be configured in the container image. Cannot be updated."),
  ports: mapList(containerPortSchema(), ['containerPort', 'protocol'])
    .optional()
    .describe(
      'List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed. Any port which is listening on the default "0.0.0.0" address inside a container will be accessible from the network. Cannot be updated.',
    ),
  env: mapList(envVarSchema(), ['name']).optional().describe('List of environment variables to set in the container. Cannot be updated.'),
  envFrom: zod
    .array(
      zod.object({
        prefix: zod.string().optional(),
        configMapRef: zod.object({ name: zod.string().default(''), optional: zod.boolean().optional() }).optional(),
        secretRef: zod.object({ name: zod.string().default(''), optional: zod.boolean().optional() }).optional(),
      }),
    )
    .optional()
    .describe('List of sources to populate environment variables in the container. When a key exists in multiple sources, the value associated with the last source will take precedence. Values defined by an Env with a duplicate key will take precedence. Cannot be updated.'),
  resources: zod
    .object({
      limits: quantityMap().optional().describe('Limits describes the maximum amount of compute resources allowed.'),
      requests: quantityMap()
        .optional()
        .describe('Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value.'),
    })
    .meta({ id: `${CORE_V1}.ResourceRequirements`, description: 'ResourceRequirements describes the compute resource requirements.' })
    .optional()
    .describe('Compute Resources required by this container. Cannot be updated.'),
  volumeMounts: mapList(volumeMountSchema(), ['mountPath'])
    .optional()
    .describe("Pod volumes to mount into the container's filesystem. Cannot be updated."),
  livenessProbe: probe().optional(),
  readinessProbe: probe().optional(),
  startupProbe: probe().optional(),
  lifecycle: zod.object({ postStart: handler().optional(), preStop: handler().optional() }).optional(),
  terminationMessagePath: zod.string().optional(),
  terminationMessagePolicy: enumString<'File' | 'FallbackToLogsOnError'>().optional(),
  imagePullPolicy: enumString<'Always' | 'IfNotPresent' | 'Never'>()
    .optional()
    .describe('Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated.'),
  securityContext: zod
    .object({
      runAsUser: int64().optional(),
      runAsGroup: int64().optional(),
      runAsNonRoot: zod.boolean().optional(),
      readOnlyRootFilesystem: zod.boolean().optional(),
      privileged: zod.boolean().optional(),
      allowPrivilegeEscalation: zod.boolean().optional(),
      capabilities: zod.object({ add: stringList().optional(), drop: stringList().optional() }).optional(),
      seccompProfile: profile().optional(),
      appArmorProfile: profile().optional(),
      seLinuxOptions: seLinuxOptions().optional(),
      procMount: zod.string().optional(),
    })
    .optional(),
  stdin: zod.boolean().optional(),
  stdinOnce: zod.boolean().optional(),
  tty: zod.boolean().optional(),
  })
  .meta({ id: `${CORE_V1}.Container`, description: 'A single application container that you want to run within a pod.' }) satisfies z.ZodType<Container>);

/** ephemeralContainerSchema decodes core/v1 EphemeralContainer: a Container plus the target whose namespaces it joins. */
export const ephemeralContainerSchema = lazySchema(() => containerSchema()
  .extend({ targetContainerName: zod.string().optional().describe('If set, the name of the container from PodSpec that this ephemeral container targets.') })
  .meta({ id: `${CORE_V1}.EphemeralContainer`, description: 'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.' }) satisfies z.ZodType<EphemeralContainer>);

const keyToPath = lazySchema(() => zod.object({ key: zod.string().default(''), path: zod.string().default(''), mode: int().optional() }));
const items = lazySchema(() => zod.array(keyToPath()).optional());
const downwardAPIFile = lazySchema(() => zod.object({
  path: zod.string().default(''),
  fieldRef: zod.object({ apiVersion: zod.string().optional(), fieldPath: zod.string().default('') }).optional(),
  resourceFieldRef: zod.object({ containerName: zod.string().optional(), resource: zod.string().default(''), divisor: quantity().optional() }).optional(),
  mode: int().optional(),
}));

/**
 * volume decodes core/v1 Volume. Volume types Skiff does not serve (nfs, iscsi, ...) are kept
 * rather than dropped as unknown fields, so validation can refuse them by name with 422 instead of the pod failing
 * later on its node.
 */
const volume = lazySchema(() => zod
  .object({
    name: zod.string().default('').describe('name of the volume. Must be a DNS_LABEL and unique within the pod.'),
    emptyDir: zod.object({ medium: zod.string().optional(), sizeLimit: quantity().optional() }).optional(),
    hostPath: zod.object({ path: zod.string().default(''), type: zod.string().optional() }).optional(),
    configMap: zod.object({ name: zod.string().optional(), items: items(), defaultMode: int().optional(), optional: zod.boolean().optional() }).optional(),
    secret: zod.object({ secretName: zod.string().optional(), items: items(), defaultMode: int().optional(), optional: zod.boolean().optional() }).optional(),
    downwardAPI: zod.object({ items: zod.array(downwardAPIFile()).optional(), defaultMode: int().optional() }).optional(),
    persistentVolumeClaim: zod.object({ claimName: zod.string().default(''), readOnly: zod.boolean().optional() }).optional(),
    projected: zod
      .object({
        sources: zod
          .array(
            zod.object({
              configMap: zod.object({ name: zod.string().optional(), items: items(), optional: zod.boolean().optional() }).optional(),
              secret: zod.object({ name: zod.string().optional(), items: items(), optional: zod.boolean().optional() }).optional(),
              downwardAPI: zod.object({ items: zod.array(downwardAPIFile()).optional() }).optional(),
              serviceAccountToken: zod.object({ audience: zod.string().optional(), expirationSeconds: int64().optional(), path: zod.string().default('') }).optional(),
            }),
          )
          .optional(),
        defaultMode: int().optional(),
      })
      .optional(),
  })
  .catchall(zod.unknown())
  .meta({ id: `${CORE_V1}.Volume`, description: 'Volume represents a named volume in a pod that may be accessed by any container in the pod.' }) satisfies z.ZodType<Volume>);

const toleration = lazySchema(() => zod.object({
  key: zod.string().optional(),
  operator: enumString<'Exists' | 'Equal'>().optional(),
  value: zod.string().optional(),
  effect: enumString<'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | ''>().optional(),
  tolerationSeconds: int64().optional(),
}) satisfies z.ZodType<Toleration>);

const nodeSelectorRequirement = lazySchema(() => zod.object({
  key: zod.string().default(''),
  operator: requiredEnum<'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt'>(),
  values: stringList().optional(),
}));
/** nodeSelectorTermSchema decodes core/v1 NodeSelectorTerm (pod affinity, PersistentVolume nodeAffinity). */
export const nodeSelectorTermSchema = lazySchema(() => zod.object({
  matchExpressions: zod.array(nodeSelectorRequirement()).optional(),
  matchFields: zod.array(nodeSelectorRequirement()).optional(),
}) satisfies z.ZodType<NodeSelectorTerm>);
const podAffinityTerm = lazySchema(() => zod.object({
  labelSelector: labelSelectorSchema().optional(),
  namespaces: stringList().optional(),
  namespaceSelector: labelSelectorSchema().optional(),
  topologyKey: zod.string().default(''),
}) satisfies z.ZodType<PodAffinityTerm>);
const podAffinity = lazySchema(() => zod.object({
  requiredDuringSchedulingIgnoredDuringExecution: zod.array(podAffinityTerm()).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: zod
    .array(zod.object({ weight: int().default(0), podAffinityTerm: podAffinityTerm().default({ topologyKey: '' }) }))
    .optional(),
}));
const affinity = lazySchema(() => zod.object({
  nodeAffinity: zod
    .object({
      requiredDuringSchedulingIgnoredDuringExecution: zod.object({ nodeSelectorTerms: zod.array(nodeSelectorTermSchema()).default([]) }).optional(),
      preferredDuringSchedulingIgnoredDuringExecution: zod
        .array(zod.object({ weight: int().default(0), preference: nodeSelectorTermSchema().default({}) }))
        .optional(),
    })
    .optional(),
  podAffinity: podAffinity().optional(),
  podAntiAffinity: podAffinity().optional(),
}) satisfies z.ZodType<Affinity>);

/** podSpecSchema decodes core/v1 PodSpec; a missing containers list decodes as [] so validation reports it (422). */
export const podSpecSchema = lazySchema(() => zod
  .object({
  containers: mapList(containerSchema(), ['name'])
    .default([])
    .describe('List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.'),
  initContainers: mapList(containerSchema(), ['name'])
    .optional()
    .describe('List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started. If any init container fails, the pod is considered to have failed and is handled according to its restartPolicy.'),
  ephemeralContainers: mapList(ephemeralContainerSchema(), ['name'])
    .optional()
    .describe("List of ephemeral containers run in this pod. Ephemeral containers may be run in an existing pod to perform user-initiated actions such as debugging. This list cannot be specified when creating a pod, and it cannot be modified by updating the pod spec. In order to add an ephemeral container to an existing pod, use the pod's ephemeralcontainers subresource."),
  volumes: mapList(volume(), ['name']).optional().describe('List of volumes that can be mounted by containers belonging to the pod.'),
  restartPolicy: enumString<'Always' | 'OnFailure' | 'Never'>()
    .optional()
    .describe('Restart policy for all containers within the pod. One of Always, OnFailure, Never. In some contexts, only a subset of those values may be permitted. Default to Always.'),
  terminationGracePeriodSeconds: int64()
    .optional()
    .describe('Optional duration in seconds the pod needs to terminate gracefully. May be decreased in delete request. Value must be non-negative integer. The value zero indicates stop immediately via the kill signal (no opportunity to shut down). Defaults to 30 seconds.'),
  activeDeadlineSeconds: int64().optional(),
  dnsPolicy: enumString<'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None'>().optional(),
  nodeSelector: atomicMap(stringMap())
    .optional()
    .describe("NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
  serviceAccountName: zod.string().optional(),
  serviceAccount: zod.string().optional(),
  automountServiceAccountToken: zod.boolean().optional(),
  nodeName: zod
    .string()
    .optional()
    .describe('NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod.'),
  hostNetwork: zod.boolean().optional(),
  hostPID: zod.boolean().optional(),
  hostIPC: zod.boolean().optional(),
  hostUsers: zod
    .boolean()
    .optional()
    .describe('Use the host\'s user namespace. Optional: Default to true. If set to false, a new user namespace is created for the pod (refused by Skiff\'s Docker node agent, which cannot do it).'),
  shareProcessNamespace: zod.boolean().optional(),
  securityContext: zod
    .object({
      runAsUser: int64().optional(),
      runAsGroup: int64().optional(),
      runAsNonRoot: zod.boolean().optional(),
      fsGroup: int64().optional(),
      supplementalGroups: zod.array(int64()).optional(),
      seccompProfile: profile().optional(),
      appArmorProfile: profile().optional(),
      seLinuxOptions: seLinuxOptions().optional(),
      sysctls: zod.array(zod.object({ name: zod.string().default(''), value: zod.string().default('') })).optional(),
    })
    .optional(),
  imagePullSecrets: mapList(zod.object({ name: zod.string().default('') }), ['name'])
    .optional()
    .describe('ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.'),
  hostname: zod.string().optional(),
  subdomain: zod.string().optional(),
  affinity: affinity().optional(),
  schedulerName: zod.string().optional(),
  tolerations: zod.array(toleration()).optional().describe("If specified, the pod's tolerations."),
  priorityClassName: zod.string().optional(),
  priority: int().optional(),
  enableServiceLinks: zod.boolean().optional(),
  preemptionPolicy: enumString<'PreemptLowerPriority' | 'Never'>().optional(),
  readinessGates: zod.array(zod.object({ conditionType: zod.string().default('') })).optional(),
  })
  .meta({ id: `${CORE_V1}.PodSpec`, description: 'PodSpec is a description of a pod.' }) satisfies z.ZodType<PodSpec>);

const podCondition = lazySchema(() => zod.object({
  type: zod.string().default(''),
  status: requiredEnum<'True' | 'False' | 'Unknown'>(),
  lastProbeTime: zod.string().optional(),
  lastTransitionTime: zod.string().optional(),
  reason: zod.string().optional(),
  message: zod.string().optional(),
}) satisfies z.ZodType<PodCondition>);

const containerState = lazySchema(() => zod.object({
  waiting: zod.object({ reason: zod.string().optional(), message: zod.string().optional() }).optional(),
  running: zod.object({ startedAt: zod.string().optional() }).optional(),
  terminated: zod
    .object({
      exitCode: int().default(0),
      signal: int().optional(),
      reason: zod.string().optional(),
      message: zod.string().optional(),
      startedAt: zod.string().optional(),
      finishedAt: zod.string().optional(),
      containerID: zod.string().optional(),
    })
    .optional(),
}) satisfies z.ZodType<ContainerState>);

const containerStatus = lazySchema(() => zod.object({
  name: zod.string().default(''),
  state: containerState().optional(),
  lastState: containerState().optional(),
  ready: zod.boolean().default(false),
  restartCount: int().default(0),
  image: zod.string().default(''),
  imageID: zod.string().default(''),
  containerID: zod.string().optional(),
  started: zod.boolean().optional(),
}) satisfies z.ZodType<ContainerStatus>);

const podIP = lazySchema(() => zod.object({ ip: zod.string().default('') }));

/** podStatusSchema decodes core/v1 PodStatus (written by the node agent through pods/status). */
export const podStatusSchema = lazySchema(() => zod
  .object({
  phase: enumString<'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'>().optional(),
  conditions: mapList(podCondition(), ['type']).optional().describe('Current service state of pod.'),
  message: zod.string().optional(),
  reason: zod.string().optional(),
  nominatedNodeName: zod.string().optional(),
  hostIP: zod.string().optional(),
  hostIPs: atomicList(podIP(), { patchMergeKey: 'ip' }).optional(),
  podIP: zod.string().optional(),
  podIPs: mapList(podIP(), ['ip']).optional(),
  startTime: zod.string().optional(),
  initContainerStatuses: zod.array(containerStatus()).optional(),
  containerStatuses: zod.array(containerStatus()).optional(),
  ephemeralContainerStatuses: zod.array(containerStatus()).optional(),
  qosClass: enumString<'Guaranteed' | 'Burstable' | 'BestEffort'>().optional(),
  observedGeneration: int64().optional(),
  })
  .meta({
    id: `${CORE_V1}.PodStatus`,
    description: 'PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.',
  }) satisfies z.ZodType<PodStatus>);

/** podSchema decodes a whole core/v1 Pod. */
export const podSchema = lazySchema(() => zod
  .object({
    apiVersion: zod.literal('v1'),
    kind: zod.literal('Pod'),
    metadata: objectMetaSchema().default({}),
    spec: podSpecSchema()
      .default({ containers: [] })
      .describe('Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status'),
    status: podStatusSchema()
      .optional()
      .describe('Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only.'),
  })
  .describe('Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.') satisfies z.ZodType<Pod>);

/** podTemplateSpecSchema decodes the pod template inside ReplicaSets and Deployments. */
export const podTemplateSpecSchema = lazySchema(() => zod
  .object({
    metadata: objectMetaSchema().optional().describe("Standard object's metadata."),
    spec: podSpecSchema().default({ containers: [] }).describe('Specification of the desired behavior of the pod.'),
  })
  .meta({
    id: `${CORE_V1}.PodTemplateSpec`,
    description: 'PodTemplateSpec describes the data a pod should have when created from a template',
  }) satisfies z.ZodType<PodTemplateSpec>);

/** bindingSchema decodes the body the scheduler posts to pods/binding. */
export const bindingSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Binding'),
  metadata: objectMetaSchema().default({}),
  target: zod
    .object({ apiVersion: zod.string().optional(), kind: zod.string().optional(), name: zod.string().default(''), namespace: zod.string().optional() })
    .default({ name: '' }),
}) satisfies z.ZodType<Binding>);
