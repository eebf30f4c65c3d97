/**
 * @module Deployment and ReplicaSet validation (apps/validation), with a small local label-selector matcher.
 */
import type { Deployment, ReplicaSet } from '../apps.js';
import type { LabelSelector } from '../meta.js';
import type { PodTemplateSpec } from '../pod.js';
import type { FieldErrors } from './field-errors.js';
import { isPercent, isQualifiedName, isValidLabelValue } from './name-rules.js';
import { validateAnnotations, validateLabels } from './validate-meta.js';
import { validatePodSpec } from './validate-pod-spec.js';
import { deepEqual } from './validate-pod-update.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const STRATEGIES = ['Recreate', 'RollingUpdate'];

/** validateLabelSelector checks a metav1.LabelSelector's keys, values and operators. */
export function validateLabelSelector(sel: LabelSelector, path: string, errs: FieldErrors): void {
  validateLabels(sel.matchLabels, `${path}.matchLabels`, errs);
  sel.matchExpressions?.forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    errs.each(`${p}.key`, req.key, isQualifiedName(req.key));
    const values = req.values ?? [];
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (values.length === 0) errs.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (values.length > 0) errs.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      errs.notSupported(`${p}.operator`, req.operator, OPERATORS);
    }
    values.forEach((v, j) => errs.each(`${p}.values[${j}]`, v, isValidLabelValue(v)));
  });
}

/** selectorMatches reports whether a selector selects a label set (metav1.LabelSelectorAsSelector semantics). */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    const inValues = value !== undefined && (req.values ?? []).includes(value);
    if (req.operator === 'In' && !inValues) return false;
    if (req.operator === 'NotIn' && has && inValues) return false;
    if (req.operator === 'Exists' && !has) return false;
    if (req.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** validateSelectorAndTemplate holds the rules Deployments, ReplicaSets and DaemonSets share. */
export function validateSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  kind: string,
  errs: FieldErrors,
): void {
  if (!selector) errs.required('spec.selector');
  else if (isEmptySelector(selector)) errs.invalid('spec.selector', selector, `empty selector is invalid for ${kind}`);
  else validateLabelSelector(selector, 'spec.selector', errs);
  if (!template) {
    errs.required('spec.template');
    return;
  }
  const labels = template.metadata?.labels ?? {};
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    errs.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
  }
  validateLabels(template.metadata?.labels, 'spec.template.metadata.labels', errs);
  validateAnnotations(template.metadata?.annotations, 'spec.template.metadata.annotations', errs);
  validatePodSpec(template.spec, 'spec.template.spec', errs);
  const restart = template.spec.restartPolicy;
  if (restart !== undefined && restart !== 'Always') errs.notSupported('spec.template.spec.restartPolicy', restart, ['Always']);
  if (template.spec.activeDeadlineSeconds !== undefined) {
    errs.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported');
  }
}

/** validateReplicaSet checks an apps/v1 ReplicaSet spec. */
export function validateReplicaSet(rs: ReplicaSet, errs: FieldErrors): void {
  errs.nonNegative('spec.replicas', rs.spec.replicas);
  errs.nonNegative('spec.minReadySeconds', rs.spec.minReadySeconds);
  validateSelectorAndTemplate(rs.spec.selector, rs.spec.template, 'replicaset', errs);
}

/** validateDeployment checks an apps/v1 Deployment spec, including its rolling-update parameters. */
export function validateDeployment(d: Deployment, errs: FieldErrors): void {
  const spec = d.spec;
  errs.nonNegative('spec.replicas', spec.replicas);
  errs.nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  errs.nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  validateSelectorAndTemplate(spec.selector, spec.template, 'deployment', errs);
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
    }
  }
  const strategy = spec.strategy;
  if (!strategy) return;
  if (strategy.type === undefined) errs.required('spec.strategy.type');
  else if (!STRATEGIES.includes(strategy.type)) errs.notSupported('spec.strategy.type', strategy.type, STRATEGIES);
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) {
    errs.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'");
  }
  const ru = strategy.rollingUpdate;
  if (strategy.type !== 'RollingUpdate' || !ru) return;
  const path = 'spec.strategy.rollingUpdate';
  const unavailable = validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`, errs);
  const surge = validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`, errs);
  if (unavailable !== undefined && unavailable > 100 && typeof ru.maxUnavailable === 'string') {
    errs.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%');
  }
  if (unavailable === 0 && surge === 0) errs.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
}

/** validateIntOrPercent checks a non-negative int or "N%" and returns its number (percent or count) when valid. */
export function validateIntOrPercent(value: number | string | undefined, path: string, errs: FieldErrors): number | undefined {
  if (value === undefined) return undefined;
  let n: number;
  if (typeof value === 'string') {
    const problems = isPercent(value);
    if (problems.length > 0) {
      errs.each(path, value, problems);
      return undefined;
    }
    n = Number(value.slice(0, -1));
  } else {
    n = value;
  }
  if (n < 0) {
    errs.invalid(path, value, 'must be greater than or equal to 0');
    return undefined;
  }
  return n;
}

/** validateSelectorUpdate: a workload's selector is immutable (apps/v1). */
export function validateSelectorUpdate(spec: { selector: unknown }, old: { selector: unknown }, errs: FieldErrors): void {
  if (!deepEqual(spec.selector, old.selector)) errs.immutable('spec.selector', spec.selector);
}
