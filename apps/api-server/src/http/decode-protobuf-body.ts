/**
 * @module decodeProtobufBody: turns a Kubernetes protobuf request body into the JSON object it stands for.
 *
 * kubectl's typed clients (`create namespace`, `create deployment`, `create service`, `debug --copy-to`, and the DELETE that `drain` sends) write
 * `application/vnd.kubernetes.protobuf` whatever the server prefers, and client-go falls back to JSON only for CBOR.
 * A body is the 4-byte magic `k8s\0` and a runtime.Unknown {typeMeta, raw}; `raw` is the kind's generated message
 * (k8s.io/api `generated.proto`). Only the kinds and fields below are known; any other kind, or a non-empty field
 * missing from its table, is refused with 415 so nothing a client sent is silently dropped.
 */
import { ApiError, errors, formatTime } from '@skiff/api';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Scalar = 'string' | 'int' | 'bool' | 'bytes';
/**
 * FieldType: a scalar (bytes become base64, as in JSON), a nested message, a map<string,string>,
 * a map<string,bytes>, a map<string,Quantity>, a Time, an IntOrString, raw JSON bytes, or a FieldsV1 (its raw JSON).
 */
type FieldType = Scalar | Schema | 'map' | 'bytesMap' | 'quantityMap' | 'time' | 'intOrString' | 'json' | 'fieldsV1';
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** A Go pointer field: present means set, so zero values are kept. */
  ptr?: boolean;
}
interface Schema {
  [tag: number]: Field;
}

const f = (name: string, type: FieldType, opts: { repeated?: boolean; ptr?: boolean } = {}): Field => ({ name, type, ...opts });

const OWNER_REFERENCE: Schema = { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('controller', 'bool', { ptr: true }), 7: f('blockOwnerDeletion', 'bool', { ptr: true }) };
/** metav1.ManagedFieldsEntry: kubectl sends them back on a PUT of an object it read (certificate approve). */
const MANAGED_FIELDS_ENTRY: Schema = {
  1: f('manager', 'string'),
  2: f('operation', 'string'),
  3: f('apiVersion', 'string'),
  4: f('time', 'time'),
  6: f('fieldsType', 'string'),
  7: f('fieldsV1', 'fieldsV1'),
  8: f('subresource', 'string'),
};
const OBJECT_META: Schema = {
  1: f('name', 'string'),
  2: f('generateName', 'string'),
  3: f('namespace', 'string'),
  5: f('uid', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('generation', 'int'),
  8: f('creationTimestamp', 'time'),
  11: f('labels', 'map'),
  12: f('annotations', 'map'),
  13: f('ownerReferences', OWNER_REFERENCE, { repeated: true }),
  14: f('finalizers', 'string', { repeated: true }),
  9: f('deletionTimestamp', 'time'),
  10: f('deletionGracePeriodSeconds', 'int', { ptr: true }),
  17: f('managedFields', MANAGED_FIELDS_ENTRY, { repeated: true }),
};
const LABEL_SELECTOR: Schema = {
  1: f('matchLabels', 'map'),
  2: f('matchExpressions', { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', { repeated: true }) }, { repeated: true }),
};
const CONTAINER: Schema = {
  1: f('name', 'string'),
  2: f('image', 'string'),
  3: f('command', 'string', { repeated: true }),
  4: f('args', 'string', { repeated: true }),
  5: f('workingDir', 'string'),
  6: f('ports', { 1: f('name', 'string'), 2: f('hostPort', 'int'), 3: f('containerPort', 'int'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') }, { repeated: true }),
  7: f('env', { 1: f('name', 'string'), 2: f('value', 'string') }, { repeated: true }),
  8: f('resources', { 1: f('limits', 'quantityMap'), 2: f('requests', 'quantityMap') }),
  13: f('terminationMessagePath', 'string'),
  14: f('imagePullPolicy', 'string'),
  16: f('stdin', 'bool'),
  17: f('stdinOnce', 'bool'),
  18: f('tty', 'bool'),
  20: f('terminationMessagePolicy', 'string'),
  // What a stored pod carries, sent back by `kubectl debug --copy-to` (it copies the pod's spec).
  9: f('volumeMounts', { 1: f('name', 'string'), 2: f('readOnly', 'bool'), 3: f('mountPath', 'string'), 4: f('subPath', 'string') }, { repeated: true }),
  15: f('securityContext', {
    1: f('capabilities', { 1: f('add', 'string', { repeated: true }), 2: f('drop', 'string', { repeated: true }) }),
    2: f('privileged', 'bool', { ptr: true }),
    4: f('runAsUser', 'int', { ptr: true }),
    5: f('runAsNonRoot', 'bool', { ptr: true }),
    6: f('readOnlyRootFilesystem', 'bool', { ptr: true }),
    7: f('allowPrivilegeEscalation', 'bool', { ptr: true }),
    8: f('runAsGroup', 'int', { ptr: true }),
  }),
};
const POD_SPEC: Schema = {
  2: f('containers', CONTAINER, { repeated: true }),
  3: f('restartPolicy', 'string'),
  4: f('terminationGracePeriodSeconds', 'int', { ptr: true }),
  6: f('dnsPolicy', 'string'),
  7: f('nodeSelector', 'map'),
  8: f('serviceAccountName', 'string'),
  9: f('serviceAccount', 'string'),
  10: f('nodeName', 'string'),
  11: f('hostNetwork', 'bool'),
  12: f('hostPID', 'bool'),
  13: f('hostIPC', 'bool'),
  14: f('securityContext', { 2: f('runAsUser', 'int', { ptr: true }), 3: f('runAsNonRoot', 'bool', { ptr: true }), 5: f('fsGroup', 'int', { ptr: true }), 6: f('runAsGroup', 'int', { ptr: true }) }),
  16: f('hostname', 'string'),
  17: f('subdomain', 'string'),
  19: f('schedulerName', 'string'),
  20: f('initContainers', CONTAINER, { repeated: true }),
  22: f('tolerations', { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('value', 'string'), 4: f('effect', 'string'), 5: f('tolerationSeconds', 'int', { ptr: true }) }, { repeated: true }),
  24: f('priorityClassName', 'string'),
  27: f('shareProcessNamespace', 'bool', { ptr: true }),
  // What the api-server defaults, sent back by kubectl when it copies a stored template (create job --from=cronjob).
  25: f('priority', 'int', { ptr: true }),
  30: f('enableServiceLinks', 'bool', { ptr: true }),
  31: f('preemptionPolicy', 'string', { ptr: true }),
};
const POD_TEMPLATE_SPEC: Schema = { 1: f('metadata', OBJECT_META), 2: f('spec', POD_SPEC) };
const DEPLOYMENT: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', {
    1: f('replicas', 'int', { ptr: true }),
    2: f('selector', LABEL_SELECTOR),
    3: f('template', POD_TEMPLATE_SPEC),
    4: f('strategy', { 1: f('type', 'string'), 2: f('rollingUpdate', { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') }) }),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int', { ptr: true }),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int', { ptr: true }),
  }),
  // Status is server-owned and reset on create; a client's zero-valued status is accepted and ignored.
  3: f('status', { 1: f('observedGeneration', 'int'), 2: f('replicas', 'int'), 3: f('updatedReplicas', 'int'), 4: f('availableReplicas', 'int'), 5: f('unavailableReplicas', 'int'), 7: f('readyReplicas', 'int') }),
};
const JOB_SPEC: Schema = {
  1: f('parallelism', 'int', { ptr: true }),
  2: f('completions', 'int', { ptr: true }),
  3: f('activeDeadlineSeconds', 'int', { ptr: true }),
  4: f('selector', LABEL_SELECTOR),
  5: f('manualSelector', 'bool', { ptr: true }),
  6: f('template', POD_TEMPLATE_SPEC),
  7: f('backoffLimit', 'int', { ptr: true }),
  8: f('ttlSecondsAfterFinished', 'int', { ptr: true }),
  9: f('completionMode', 'string', { ptr: true }),
  10: f('suspend', 'bool', { ptr: true }),
  11: f('podFailurePolicy', {
    1: f('rules', {
      1: f('action', 'string'),
      2: f('onExitCodes', { 1: f('containerName', 'string', { ptr: true }), 2: f('operator', 'string'), 3: f('values', 'int', { repeated: true }) }),
      3: f('onPodConditions', { 1: f('type', 'string'), 2: f('status', 'string') }, { repeated: true }),
    }, { repeated: true }),
  }),
  14: f('podReplacementPolicy', 'string', { ptr: true }),
};
// batch/v1 (k8s.io/api/batch/v1 generated.proto); `kubectl create job` and `create cronjob` send these.
const JOB: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', JOB_SPEC),
  3: f('status', { 4: f('active', 'int'), 5: f('succeeded', 'int'), 6: f('failed', 'int') }),
};
const CRON_JOB: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', {
    1: f('schedule', 'string'),
    2: f('startingDeadlineSeconds', 'int', { ptr: true }),
    3: f('concurrencyPolicy', 'string'),
    4: f('suspend', 'bool', { ptr: true }),
    5: f('jobTemplate', { 1: f('metadata', OBJECT_META), 2: f('spec', JOB_SPEC) }),
    6: f('successfulJobsHistoryLimit', 'int', { ptr: true }),
    7: f('failedJobsHistoryLimit', 'int', { ptr: true }),
    8: f('timeZone', 'string', { ptr: true }),
  }),
  3: f('status', {}),
};
const NAMESPACE: Schema = { 1: f('metadata', OBJECT_META), 2: f('spec', { 1: f('finalizers', 'string', { repeated: true }) }), 3: f('status', { 1: f('phase', 'string') }) };
const CONFIG_MAP: Schema = { 1: f('metadata', OBJECT_META), 2: f('data', 'map'), 3: f('binaryData', 'bytesMap'), 4: f('immutable', 'bool', { ptr: true }) };
const SECRET: Schema = { 1: f('metadata', OBJECT_META), 2: f('data', 'bytesMap'), 3: f('type', 'string'), 4: f('stringData', 'map'), 5: f('immutable', 'bool', { ptr: true }) };
const OBJECT_REFERENCE: Schema = {
  1: f('kind', 'string'),
  2: f('namespace', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('fieldPath', 'string'),
};
const SERVICE_ACCOUNT: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('secrets', OBJECT_REFERENCE, { repeated: true }),
  3: f('imagePullSecrets', { 1: f('name', 'string') }, { repeated: true }),
  4: f('automountServiceAccountToken', 'bool', { ptr: true }),
};
const SERVICE: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', {
    1: f('ports', { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int'), 6: f('appProtocol', 'string', { ptr: true }) }, { repeated: true }),
    2: f('selector', 'map'),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: f('externalIPs', 'string', { repeated: true }),
    7: f('sessionAffinity', 'string'),
    8: f('loadBalancerIP', 'string'),
    10: f('externalName', 'string'),
    11: f('externalTrafficPolicy', 'string'),
    12: f('healthCheckNodePort', 'int'),
    13: f('publishNotReadyAddresses', 'bool'),
    14: f('sessionAffinityConfig', { 1: f('clientIP', { 1: f('timeoutSeconds', 'int', { ptr: true }) }) }),
    17: f('ipFamilyPolicy', 'string', { ptr: true }),
    18: f('clusterIPs', 'string', { repeated: true }),
    19: f('ipFamilies', 'string', { repeated: true }),
    20: f('allocateLoadBalancerNodePorts', 'bool', { ptr: true }),
    22: f('internalTrafficPolicy', 'string', { ptr: true }),
  }),
  3: f('status', { 1: f('loadBalancer', {}) }),
};
// rbac/v1 (kubectl create role / clusterrole / rolebinding / clusterrolebinding).
const POLICY_RULE: Schema = {
  1: f('verbs', 'string', { repeated: true }),
  2: f('apiGroups', 'string', { repeated: true }),
  3: f('resources', 'string', { repeated: true }),
  4: f('resourceNames', 'string', { repeated: true }),
  5: f('nonResourceURLs', 'string', { repeated: true }),
};
const ROLE: Schema = { 1: f('metadata', OBJECT_META), 2: f('rules', POLICY_RULE, { repeated: true }) };
const CLUSTER_ROLE: Schema = { ...ROLE, 3: f('aggregationRule', { 1: f('clusterRoleSelectors', LABEL_SELECTOR, { repeated: true }) }) };
const ROLE_BINDING: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('subjects', { 1: f('kind', 'string'), 2: f('apiGroup', 'string'), 3: f('name', 'string'), 4: f('namespace', 'string') }, { repeated: true }),
  3: f('roleRef', { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') }),
};
// authorization/v1 and authentication/v1 reviews (kubectl auth can-i, auth whoami).
const RESOURCE_ATTRIBUTES: Schema = {
  1: f('namespace', 'string'),
  2: f('verb', 'string'),
  3: f('group', 'string'),
  4: f('version', 'string'),
  5: f('resource', 'string'),
  6: f('subresource', 'string'),
  7: f('name', 'string'),
};
const NON_RESOURCE_ATTRIBUTES: Schema = { 1: f('path', 'string'), 2: f('verb', 'string') };
// Clients send an empty status with every review (gogo-protobuf writes non-pointer fields); the server replaces it.
const ACCESS_REVIEW_STATUS: Schema = { 1: f('allowed', 'bool'), 2: f('reason', 'string'), 3: f('evaluationError', 'string'), 4: f('denied', 'bool') };
const SELF_SUBJECT_ACCESS_REVIEW: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', { 1: f('resourceAttributes', RESOURCE_ATTRIBUTES), 2: f('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES) }),
  3: f('status', ACCESS_REVIEW_STATUS),
};
const SUBJECT_ACCESS_REVIEW: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', { 1: f('resourceAttributes', RESOURCE_ATTRIBUTES), 2: f('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES), 3: f('user', 'string'), 4: f('groups', 'string', { repeated: true }), 6: f('uid', 'string') }),
  3: f('status', ACCESS_REVIEW_STATUS),
};
const SELF_SUBJECT_RULES_REVIEW: Schema = { 1: f('metadata', OBJECT_META), 2: f('spec', { 1: f('namespace', 'string') }), 3: f('status', { 3: f('incomplete', 'bool'), 4: f('evaluationError', 'string') }) };
const SELF_SUBJECT_REVIEW: Schema = { 1: f('metadata', OBJECT_META), 2: f('status', { 1: f('userInfo', { 1: f('username', 'string'), 2: f('uid', 'string'), 3: f('groups', 'string', { repeated: true }) }) }) };
const DELETE_OPTIONS: Schema = {
  1: f('gracePeriodSeconds', 'int', { ptr: true }),
  2: f('preconditions', { 1: f('uid', 'string', { ptr: true }), 2: f('resourceVersion', 'string', { ptr: true }) }, { ptr: true }),
  3: f('orphanDependents', 'bool', { ptr: true }),
  4: f('propagationPolicy', 'string', { ptr: true }),
  5: f('dryRun', 'string', { repeated: true }),
};

// kubectl debug --copy-to creates the copy of a pod with its typed client.
const POD: Schema = { 1: f('metadata', OBJECT_META), 2: f('spec', POD_SPEC), 3: f('status', {}) };

// k8s.io/api/authentication/v1 generated.proto: `kubectl create token` sends it.
const TOKEN_REQUEST: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', {
    1: f('audiences', 'string', { repeated: true }),
    3: f('boundObjectRef', { 1: f('kind', 'string'), 2: f('apiVersion', 'string'), 3: f('name', 'string'), 4: f('uid', 'string') }),
    4: f('expirationSeconds', 'int', { ptr: true }),
  }),
  3: f('status', { 1: f('token', 'string'), 2: f('expirationTimestamp', 'time') }),
};

// policy/v1 (k8s.io/api/policy/v1 generated.proto): `kubectl drain` posts Evictions, `kubectl create pdb` budgets.
const EVICTION: Schema = { 1: f('metadata', OBJECT_META), 2: f('deleteOptions', DELETE_OPTIONS) };
const POD_DISRUPTION_BUDGET: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', { 1: f('minAvailable', 'intOrString', { ptr: true }), 2: f('selector', LABEL_SELECTOR, { ptr: true }), 3: f('maxUnavailable', 'intOrString', { ptr: true }), 4: f('unhealthyPodEvictionPolicy', 'string', { ptr: true }) }),
  3: f('status', { 1: f('observedGeneration', 'int'), 3: f('disruptionsAllowed', 'int'), 4: f('currentHealthy', 'int'), 5: f('desiredHealthy', 'int'), 6: f('expectedPods', 'int') }),
};

/** certificates/v1: kubectl certificate approve/deny PUT the whole CSR to /approval. spec.extra (a map of ExtraValue) is not decoded. */
const CSR_CONDITION: Schema = { 1: f('type', 'string'), 6: f('status', 'string'), 2: f('reason', 'string'), 3: f('message', 'string'), 4: f('lastUpdateTime', 'time'), 5: f('lastTransitionTime', 'time') };
const CERTIFICATE_SIGNING_REQUEST: Schema = {
  1: f('metadata', OBJECT_META),
  2: f('spec', {
    1: f('request', 'bytes'),
    7: f('signerName', 'string'),
    8: f('expirationSeconds', 'int', { ptr: true }),
    5: f('usages', 'string', { repeated: true }),
    2: f('username', 'string'),
    3: f('uid', 'string'),
    4: f('groups', 'string', { repeated: true }),
  }),
  3: f('status', { 1: f('conditions', CSR_CONDITION, { repeated: true }), 2: f('certificate', 'bytes') }),
};

const KINDS: Record<string, Schema> = {
  'authentication.k8s.io/v1/TokenRequest': TOKEN_REQUEST,
  'v1/Namespace': NAMESPACE,
  'v1/Pod': POD,
  // kubectl create configmap / secret / serviceaccount send these.
  'v1/ConfigMap': CONFIG_MAP,
  'v1/Secret': SECRET,
  'v1/ServiceAccount': SERVICE_ACCOUNT,
  // kubectl create service clusterip / nodeport / externalname.
  'v1/Service': SERVICE,
  'apps/v1/Deployment': DEPLOYMENT,
  'batch/v1/Job': JOB,
  'batch/v1/CronJob': CRON_JOB,
  'rbac.authorization.k8s.io/v1/Role': ROLE,
  'rbac.authorization.k8s.io/v1/ClusterRole': CLUSTER_ROLE,
  'rbac.authorization.k8s.io/v1/RoleBinding': ROLE_BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ROLE_BINDING,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': SELF_SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/LocalSubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SelfSubjectRulesReview': SELF_SUBJECT_RULES_REVIEW,
  'authentication.k8s.io/v1/SelfSubjectReview': SELF_SUBJECT_REVIEW,
  'policy/v1/Eviction': EVICTION,
  'policy/v1/PodDisruptionBudget': POD_DISRUPTION_BUDGET,
  'certificates.k8s.io/v1/CertificateSigningRequest': CERTIFICATE_SIGNING_REQUEST,
  'v1/DeleteOptions': DELETE_OPTIONS,
  'meta.k8s.io/v1/DeleteOptions': DELETE_OPTIONS,
};

const TYPE_META: Schema = { 1: f('apiVersion', 'string'), 2: f('kind', 'string') };

/** decodeProtobufBody decodes a `k8s\0`-framed runtime.Unknown into a JSON object with apiVersion and kind. */
export function decodeProtobufBody(raw: Buffer): Record<string, unknown> {
  if (raw.length < 4 || !raw.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('the protobuf request body does not start with the "k8s\\x00" prefix');
  let typeMeta: Record<string, unknown> = {};
  let inner: Buffer | undefined;
  for (const { tag, wire, value } of fields(raw, 4, raw.length)) {
    if (tag === 1 && wire === 2) typeMeta = decodeMessage(value as Buffer, TYPE_META, 'typeMeta');
    else if (tag === 2 && wire === 2) inner = value as Buffer;
    else if (tag === 4 && wire === 2 && (value as Buffer).length > 0) throw unsupported(`runtime.Unknown contentType ${(value as Buffer).toString()}`);
  }
  const apiVersion = String(typeMeta.apiVersion ?? '');
  const kind = String(typeMeta.kind ?? '');
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (!schema) throw unsupported(`${apiVersion}, Kind=${kind}`);
  return { apiVersion, kind, ...decodeMessage(inner ?? Buffer.alloc(0), schema, kind) };
}

function unsupported(what: string): ApiError {
  return new ApiError({ reason: 'UnsupportedMediaType', message: `the server cannot decode ${what} from application/vnd.kubernetes.protobuf; send application/json` });
}

interface WireField {
  tag: number;
  wire: number;
  value: bigint | Buffer;
}

function* fields(buf: Buffer, start: number, end: number): Generator<WireField> {
  let pos = start;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= end) throw errors.badRequest('truncated protobuf request body');
      // A 64-bit varint has at most 10 bytes; an unbounded one would grow a BigInt quadratically (minutes for 3 MB).
      if (shift >= 70n) throw errors.badRequest('malformed protobuf request body: a varint is longer than 10 bytes');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < end) {
    const key = Number(varint());
    const tag = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { tag, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > end) throw errors.badRequest('truncated protobuf request body');
      yield { tag, wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      yield { tag, wire, value: buf.subarray(pos, pos + n) };
      pos += n;
    } else throw errors.badRequest(`unsupported protobuf wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { tag, wire, value } of fields(buf, 0, buf.length)) {
    const field = schema[tag];
    if (!field) {
      if ((wire === 2 && (value as Buffer).length === 0) || (wire === 0 && value === 0n)) continue;
      throw unsupported(`field ${tag} of ${path}`);
    }
    const v = decodeValue(field, wire, value, `${path}.${field.name}`);
    if (field.type === 'map' || field.type === 'bytesMap' || field.type === 'quantityMap') {
      const [k, val] = v as [string, string];
      ((out[field.name] ??= {}) as Record<string, string>)[k] = val;
    } else if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(v);
    else if (field.ptr || !isZero(v)) out[field.name] = v;
  }
  return out;
}

function decodeValue(field: Field, wire: number, value: bigint | Buffer, path: string): unknown {
  const t = field.type;
  if (t === 'int' || t === 'bool') {
    if (wire !== 0) throw errors.badRequest(`protobuf field ${path} has wire type ${wire}, expected a varint`);
    return t === 'bool' ? value !== 0n : Number(BigInt.asIntN(64, value as bigint));
  }
  if (wire !== 2) throw errors.badRequest(`protobuf field ${path} has wire type ${wire}, expected bytes`);
  const bytes = value as Buffer;
  if (t === 'string') return bytes.toString('utf8');
  if (t === 'bytes') return bytes.toString('base64');
  if (t === 'fieldsV1') return decodeMessage(bytes, { 1: f('raw', 'json') }, path).raw ?? {};
  if (t === 'json') {
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      throw errors.badRequest(`protobuf field ${path} is not JSON`);
    }
  }
  if (t === 'map' || t === 'bytesMap' || t === 'quantityMap') {
    const valueType: FieldType = t === 'map' ? 'string' : t === 'bytesMap' ? 'bytes' : { 1: f('string', 'string') };
    const entry = decodeMessage(bytes, { 1: f('key', 'string'), 2: f('value', valueType) }, path);
    const v = entry.value as string | { string?: string } | undefined;
    return [entry.key ?? '', typeof v === 'object' ? (v.string ?? '') : (v ?? '')];
  }
  if (t === 'time') {
    const ts = decodeMessage(bytes, { 1: f('seconds', 'int'), 2: f('nanos', 'int') }, path);
    if (ts.seconds === undefined) return undefined;
    return formatTime(Number(ts.seconds) * 1000);
  }
  if (t === 'intOrString') {
    const ios = decodeMessage(bytes, { 1: f('type', 'int'), 2: f('intVal', 'int'), 3: f('strVal', 'string') }, path);
    return ios.type === 1 ? (ios.strVal ?? '') : (ios.intVal ?? 0);
  }
  return decodeMessage(bytes, t, path);
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === '' || v === 0 || v === false) return true;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}
