/**
 * @module PodSpec validation (core/validation ValidatePodSpec), shared by pods and pod templates.
 */
import type { PodSpec, Toleration } from '../pod.js';
import type { FieldErrors } from './field-errors.js';
import { validateLabels } from './validate-meta.js';
import { validateContainer, validateSecurityContextIds } from './validate-container.js';
import { validateVolumeSource } from './validate-volume-source.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './name-rules.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_INT32 = 2_147_483_647;

/**
 * Most containers (and, separately, init containers) a pod may have. Kubernetes sets no number; only its 1.5 MiB
 * object limit bounds the list. Skiff's node agent runs every container as a Docker container beside a few other
 * pods on a small machine, where a pod of hundreds takes minutes to start and stop, so a pod spec asking for more
 * than this is refused up front (422) rather than half-run.
 */
export const MAX_CONTAINERS_PER_POD = 100;

/** validatePodSpec checks a pod spec at `path` ("spec" or "spec.template.spec"). */
export function validatePodSpec(spec: PodSpec, path: string, errs: FieldErrors): void {
  const volumes = validateVolumes(spec, path, errs);
  if (!spec.containers || spec.containers.length === 0) errs.required(`${path}.containers`);
  const names = new Set<string>();
  const lists = [['initContainers', spec.initContainers ?? []], ['containers', spec.containers ?? []]] as const;
  for (const [list, containers] of lists) {
    if (containers.length > MAX_CONTAINERS_PER_POD) errs.tooMany(`${path}.${list}`, containers.length, MAX_CONTAINERS_PER_POD);
    containers.forEach((c, i) => {
      const p = `${path}.${list}[${i}]`;
      validateContainer(c, p, { volumes }, errs);
      if (c.name && names.has(c.name)) errs.duplicate(`${p}.name`, c.name);
      names.add(c.name);
    });
  }
  validateEphemeralContainers(spec, path, volumes, names, errs);
  if (spec.restartPolicy === undefined || spec.restartPolicy === ('' as string)) errs.required(`${path}.restartPolicy`);
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errs.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES);
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) errs.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES);
  if (spec.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(spec.preemptionPolicy)) {
    errs.notSupported(`${path}.preemptionPolicy`, spec.preemptionPolicy, PREEMPTION_POLICIES);
  }
  errs.nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  validateSecurityContextIds(spec.securityContext, `${path}.securityContext`, errs);
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.invalid(`${path}.activeDeadlineSeconds`, deadline, `must be between 1 and ${MAX_INT32}, inclusive`);
  }
  validateLabels(spec.nodeSelector, `${path}.nodeSelector`, errs);
  if (spec.nodeName) errs.each(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName));
  if (spec.serviceAccountName) errs.each(`${path}.serviceAccountName`, spec.serviceAccountName, isDNS1123Subdomain(spec.serviceAccountName));
  if (spec.hostname) errs.each(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname));
  if (spec.subdomain) errs.each(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain));
  if (spec.schedulerName !== undefined) {
    if (!spec.schedulerName) errs.required(`${path}.schedulerName`);
    else errs.each(`${path}.schedulerName`, spec.schedulerName, isDNS1123Subdomain(spec.schedulerName));
  }
  spec.tolerations?.forEach((t, i) => validateToleration(t, `${path}.tolerations[${i}]`, errs));
}

/** Fields an ephemeral container may not set: it gets no resources, ports, probes or lifecycle hooks (kube's list). */
const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/**
 * validateEphemeralContainers is kube's validateEphemeralContainers: each is a valid container, with a name unique
 * among all the pod's containers, none of EPHEMERAL_FORBIDDEN, and a targetContainerName naming a pod container.
 */
function validateEphemeralContainers(spec: PodSpec, path: string, volumes: Set<string>, names: Set<string>, errs: FieldErrors): void {
  const targets = new Set([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name));
  spec.ephemeralContainers?.forEach((c, i) => {
    const p = `${path}.ephemeralContainers[${i}]`;
    validateContainer(c, p, { volumes }, errs);
    for (const f of EPHEMERAL_FORBIDDEN) if (!isEmpty(c[f])) errs.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container');
    if (c.name && names.has(c.name)) errs.duplicate(`${p}.name`, c.name);
    names.add(c.name);
    if (c.targetContainerName && !targets.has(c.targetContainerName)) errs.notFound(`${p}.targetContainerName`, c.targetContainerName);
  });
}

/** isEmpty: absent, or only empty lists and objects (kubectl debug sends `resources: {}`, which kube takes as unset). */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.values(v).every(isEmpty);
}

/** validateVolumes checks volume names (unique DNS labels) and sources, and returns the names for mount checks. */
function validateVolumes(spec: PodSpec, path: string, errs: FieldErrors): Set<string> {
  const names = new Set<string>();
  spec.volumes?.forEach((v, i) => {
    const p = `${path}.volumes[${i}]`;
    if (!v.name) errs.required(`${p}.name`);
    else errs.each(`${p}.name`, v.name, isDNS1123Label(v.name));
    if (v.name && names.has(v.name)) errs.duplicate(`${p}.name`, v.name);
    names.add(v.name);
    validateVolumeSource(v, p, errs);
  });
  return names;
}

/** validateToleration applies core/validation's toleration rules, messages included. */
export function validateToleration(t: Toleration, path: string, errs: FieldErrors): void {
  if (t.key) errs.each(`${path}.key`, t.key, isQualifiedName(t.key));
  const operator = t.operator ?? 'Equal';
  if (!t.key && operator !== 'Exists') {
    errs.invalid(`${path}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
  }
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    errs.invalid(`${path}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set");
  }
  if (operator === 'Equal') {
    errs.each(`${path}.value`, t.value ?? '', isValidLabelValue(t.value ?? ''));
  } else if (operator === 'Exists') {
    if (t.value) errs.invalid(`${path}.operator`, operator, "value must be empty when `operator` is 'Exists'");
  } else {
    errs.notSupported(`${path}.operator`, operator, ['Equal', 'Exists']);
  }
  if (t.effect) validateTaintEffect(t.effect, `${path}.effect`, errs);
}

/** validateTaintEffect checks a toleration's or taint's effect. */
export function validateTaintEffect(effect: string, path: string, errs: FieldErrors): void {
  if (!TAINT_EFFECTS.includes(effect)) errs.notSupported(path, effect, TAINT_EFFECTS);
}
