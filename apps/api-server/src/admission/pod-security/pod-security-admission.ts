/**
 * @module PodSecurity admission (k8s.io/pod-security-admission): every pod write is checked against its namespace's
 * Pod Security Standard level (labels `pod-security.kubernetes.io/<mode>[-version]`, else the cluster defaults).
 * enforce refuses pods with 403; warn adds a Warning header; audit reports to `onAudit`. Workload templates are
 * only warned and audited, as kube does, so a controller's FailedCreate is foretold when the workload is written.
 */
import { ApiError, errors, type KubeObject, type Namespace, type Pod } from '@skiff/api';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission.js';
import { checkPod, formatViolations, type CheckResult } from './policy-checks.js';
import { DEFAULT_POD_SECURITY_CONFIG, levelError, MODES, versionError, type LevelVersion, type Mode, type PodSecurityConfig } from './pod-security-config.js';
import { podTemplateOf, WORKLOAD_RESOURCES } from './pod-template.js';
import { deepEqual } from '../../registry/deep-equal.js';

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

export interface PodSecurityOptions {
  config?: PodSecurityConfig;
  /** Hears audit-mode violations (kube adds them to the audit event as `pod-security.kubernetes.io/audit-violations`). */
  onAudit?(a: AdmissionAttributes, message: string): void;
}

/** At most this many pods are named when a namespace's new enforce level would refuse pods it runs. */
const MAX_POD_WARNINGS = 10;

type Policy = Record<Mode, LevelVersion>;

const policyName = (lv: LevelVersion): string => `${lv.level}:${lv.version}`;

const MODE_LABELS = MODES.map((mode) => ({ mode, level: `${LABEL_PREFIX}${mode}`, version: `${LABEL_PREFIX}${mode}-version` }));

/**
 * namespacePolicy reads the namespace's labels over the defaults; bad values were refused when the labels were
 * written. Policies are read-only: a namespace without pod-security labels gets `defaults` itself, not a copy made
 * for every pod written into it.
 */
export function namespacePolicy(labels: Record<string, string> | undefined, defaults: Policy): Policy {
  if (!labels) return defaults;
  let p: Policy | undefined;
  for (const { mode, level: levelKey, version: versionKey } of MODE_LABELS) {
    const level = labels[levelKey];
    const version = labels[versionKey];
    const setLevel = level !== undefined && !levelError(level);
    const setVersion = version !== undefined && !versionError(version);
    if (!setLevel && !setVersion) continue;
    p ??= { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
    if (setLevel) p[mode].level = level as LevelVersion['level'];
    if (setVersion) p[mode].version = version;
  }
  return p ?? defaults;
}

/** isSignificantPodUpdate is kube's: on update only image and seccomp/AppArmor annotation changes are checked again. */
function isSignificantPodUpdate(pod: Pod, old: Pod): boolean {
  const images = (p: Pod): string => JSON.stringify([...(p.spec.initContainers ?? []), ...(p.spec.containers ?? [])].map((c) => [c.name, c.image]));
  const profileAnnotations = (p: Pod): string =>
    JSON.stringify(
      Object.entries(p.metadata.annotations ?? {})
        .filter(([k]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') || k.startsWith('container.seccomp.security.alpha.kubernetes.io/') || k === 'seccomp.security.alpha.kubernetes.io/pod')
        .sort(),
    );
  return images(pod) !== images(old) || profileAnnotations(pod) !== profileAnnotations(old);
}

/** podSecurityAdmission is the PodSecurity AdmissionPlugin. */
export function podSecurityAdmission(opts: PodSecurityOptions = {}): AdmissionPlugin {
  const config = opts.config ?? DEFAULT_POD_SECURITY_CONFIG;
  const exemptNamespaces = new Set(config.exemptions.namespaces);
  const exemptUsers = new Set(config.exemptions.usernames);
  const exemptRuntimeClasses = new Set(config.exemptions.runtimeClasses);

  function policyOf(a: AdmissionAttributes, namespace: string): Policy {
    const ns = a.ctx.get('namespaces', undefined, namespace);
    return namespacePolicy(ns?.metadata.labels, config.defaults);
  }

  function evaluateLevel(lv: LevelVersion, obj: KubeObject, resource: string): CheckResult[] {
    const t = podTemplateOf(resource, obj);
    return t ? checkPod(lv.level, t.meta, t.spec) : [];
  }

  function validatePodLike(a: AdmissionAttributes): void {
    if (a.operation === 'DELETE') return;
    const resource = a.info.plural;
    const isPod = resource === 'pods';
    if (isPod ? a.subresource !== '' && a.subresource !== 'ephemeralcontainers' : a.subresource !== '') return;
    if (exemptNamespaces.has(a.namespace) || exemptUsers.has(a.user.username)) return;
    const t = podTemplateOf(resource, a.object);
    if (!t) return;
    const runtimeClass = (t.spec as { runtimeClassName?: string }).runtimeClassName;
    if (runtimeClass && exemptRuntimeClasses.has(runtimeClass)) return;
    if (a.operation === 'UPDATE' && a.oldObject) {
      if (isPod) {
        if (a.subresource === '' && !isSignificantPodUpdate(a.object as unknown as Pod, a.oldObject as unknown as Pod)) return;
      } else {
        const old = podTemplateOf(resource, a.oldObject);
        if (old && deepEqual(old, t)) return;
      }
    }
    const policy = policyOf(a, a.namespace);
    // Every version is checked as "latest", so a level's violations are the same in each mode that names it (the
    // defaults enforce and warn baseline): checked once.
    let checkedLevel: string | undefined;
    let checked: CheckResult[] = [];
    const evaluate = (lv: LevelVersion): CheckResult[] => {
      if (lv.level !== checkedLevel) {
        checked = evaluateLevel(lv, a.object, resource);
        checkedLevel = lv.level;
      }
      return checked;
    };
    if (isPod && policy.enforce.level !== 'privileged') {
      const violations = evaluate(policy.enforce);
      if (violations.length) {
        throw new ApiError({
          reason: 'Forbidden',
          message: `pods "${a.name}" is forbidden: violates PodSecurity "${policyName(policy.enforce)}": ${formatViolations(violations)}`,
          details: { name: a.name, kind: 'pods' },
        });
      }
    }
    if (policy.audit.level !== 'privileged' && opts.onAudit) {
      const violations = evaluate(policy.audit);
      if (violations.length) opts.onAudit(a, `would violate PodSecurity "${policyName(policy.audit)}": ${formatViolations(violations)}`);
    }
    if (policy.warn.level !== 'privileged') {
      const violations = evaluate(policy.warn);
      if (violations.length) a.warn(`would violate PodSecurity "${policyName(policy.warn)}": ${formatViolations(violations)}`);
    }
  }

  /** validateNamespace refuses bad level labels (422, as kube) and warns when a new enforce level refuses pods already running. */
  function validateNamespace(a: AdmissionAttributes): void {
    if (a.operation === 'DELETE' || a.subresource !== '') return;
    const ns = a.object as Namespace;
    const labels = ns.metadata.labels ?? {};
    const causes = [];
    for (const mode of MODES) {
      const level = labels[`${LABEL_PREFIX}${mode}`];
      const version = labels[`${LABEL_PREFIX}${mode}-version`];
      const levelErr = level !== undefined ? levelError(level) : undefined;
      const versionErr = version !== undefined ? versionError(version) : undefined;
      if (levelErr) causes.push({ reason: 'FieldValueInvalid', field: `metadata.labels[${LABEL_PREFIX}${mode}]`, message: `Invalid value: "${level}": ${levelErr}` });
      if (versionErr) causes.push({ reason: 'FieldValueInvalid', field: `metadata.labels[${LABEL_PREFIX}${mode}-version]`, message: `Invalid value: "${version}": ${versionErr}` });
    }
    if (causes.length) throw errors.invalid('Namespace', '', a.name, causes);
    if (a.operation !== 'UPDATE' || !a.oldObject || exemptNamespaces.has(a.name)) return;
    const next = namespacePolicy(labels, config.defaults).enforce;
    const prev = namespacePolicy(a.oldObject.metadata.labels, config.defaults).enforce;
    if (next.level === prev.level && next.version === prev.version) return;
    if (next.level === 'privileged') return;
    const offenders: string[] = [];
    for (const pod of a.ctx.list('pods', a.name)) {
      const violations = evaluateLevel(next, pod, 'pods');
      if (violations.length) offenders.push(`${pod.metadata.name}: ${violations.map((v) => v.reason).join(', ')}`);
    }
    if (!offenders.length) return;
    a.warn(`existing pods in namespace "${a.name}" violate the new PodSecurity enforce level "${policyName(next)}"`);
    for (const o of offenders.slice(0, MAX_POD_WARNINGS)) a.warn(o);
    if (offenders.length > MAX_POD_WARNINGS) a.warn(`(and ${offenders.length - MAX_POD_WARNINGS} other pods)`);
  }

  return {
    name: 'PodSecurity',
    handles: (info) => info.group === '' ? info.plural === 'pods' || info.plural === 'namespaces' || WORKLOAD_RESOURCES.has(info.plural) : WORKLOAD_RESOURCES.has(info.plural),
    validate(a) {
      if (a.info.plural === 'namespaces') validateNamespace(a);
      else validatePodLike(a);
    },
  };
}
