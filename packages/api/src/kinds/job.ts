/**
 * @module jobKind: batch/v1 Job (types, schema, SetDefaults_Job, validation, the generated selector and
 * `kubectl get jobs` columns), after kube's pkg/apis/batch and pkg/registry/batch/job.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import type { LabelSelector, ObjectMeta } from '../meta.js';
import type { PodTemplateSpec } from '../pod.js';
import { formatLabelSelector } from '../printers/format-label-selector.js';
import { humanDuration, sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, containerCells } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { labelSelectorSchema, objectMetaSchema } from '../validation/meta-schema.js';
import { podTemplateSpecSchema } from '../validation/pod-schema.js';
import { enumString, int, int64, requiredEnum, setList } from '../validation/schema-helpers.js';
import { validateAnnotations, validateLabels } from '../validation/validate-meta.js';
import { validatePodSpec } from '../validation/validate-pod-spec.js';
import { deepEqual } from '../validation/validate-pod-update.js';
import { selectorMatches, validateLabelSelector } from '../validation/validate-workload.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** The labels the api-server generates on a Job's pod template and selector (kube's batch/v1 constants). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** JOB_COMPLETION_INDEX_ANNOTATION (also a label) carries an Indexed Job pod's index. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** JOB_COMPLETION_INDEX_ENV is the variable an Indexed Job's containers read their index from. */
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** MAX_PARALLELISM_FOR_INDEXED_JOB is kube's cap on parallelism of Indexed Jobs. */
export const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;

export type JobConditionType = 'Complete' | 'Failed' | 'Suspended' | 'FailureTarget' | 'SuccessCriteriaMet';
export type CompletionMode = 'NonIndexed' | 'Indexed';
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface JobCondition {
  type: JobConditionType;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: Array<{ type: string; status?: string }>;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  backoffLimit?: number;
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: CompletionMode;
  suspend?: boolean;
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  status?: JobStatus;
}

/** JobTemplateSpec is a CronJob's template of the Jobs it creates. */
export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec: JobSpec;
}

const podFailurePolicyRuleSchema = lazySchema(() => zod.object({
  action: requiredEnum<PodFailurePolicyAction>(),
  onExitCodes: zod
    .object({ containerName: zod.string().optional(), operator: requiredEnum<'In' | 'NotIn'>(), values: setList(int(), { patchMerge: false }).default([]) })
    .optional(),
  onPodConditions: zod.array(zod.object({ type: zod.string().default(''), status: zod.string().optional() })).optional(),
}));

/** jobSpecSchema decodes a JobSpec (also inside CronJob templates). */
export const jobSpecSchema = lazySchema(() => zod.object({
  parallelism: int().optional(),
  completions: int().optional(),
  activeDeadlineSeconds: int64().optional(),
  podFailurePolicy: zod.object({ rules: zod.array(podFailurePolicyRuleSchema()).default([]) }).optional(),
  backoffLimit: int().optional(),
  selector: labelSelectorSchema().optional(),
  manualSelector: zod.boolean().optional(),
  template: podTemplateSpecSchema().default({ spec: { containers: [] } }),
  ttlSecondsAfterFinished: int().optional(),
  completionMode: enumString<CompletionMode>().optional(),
  suspend: zod.boolean().optional(),
  podReplacementPolicy: enumString<'TerminatingOrFailed' | 'Failed'>().optional(),
}));

const jobConditionSchema = lazySchema(() => zod.object({
  type: requiredEnum<JobConditionType>(),
  status: requiredEnum<'True' | 'False' | 'Unknown'>(),
  lastProbeTime: zod.string().optional(),
  lastTransitionTime: zod.string().optional(),
  reason: zod.string().optional(),
  message: zod.string().optional(),
}));

/** jobSchema decodes batch/v1 Job. */
export const jobSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('batch/v1'),
  kind: zod.literal('Job'),
  metadata: objectMetaSchema().default({}),
  spec: jobSpecSchema().default({ template: { spec: { containers: [] } } }),
  status: zod
    .object({
      conditions: zod.array(jobConditionSchema()).optional(),
      startTime: zod.string().optional(),
      completionTime: zod.string().optional(),
      active: int().optional(),
      succeeded: int().optional(),
      failed: int().optional(),
      terminating: int().optional(),
      ready: int().optional(),
      completedIndexes: zod.string().optional(),
      failedIndexes: zod.string().optional(),
      uncountedTerminatedPods: zod.object({ succeeded: setList(zod.string(), { patchMerge: false }).optional(), failed: setList(zod.string(), { patchMerge: false }).optional() }).optional(),
    })
    .optional(),
}) satisfies z.ZodType<Job>);

/** defaultJobSpec is SetDefaults_Job's part on the spec, shared with CronJob templates (kube defaults both). */
export function defaultJobSpec(spec: JobSpec): void {
  // A non-parallel Job may leave both unset; a work-queue Job sets parallelism only and keeps completions unset.
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) c.status ??= 'True';
  defaultPodSpec(spec.template.spec);
}

function defaultJob(job: Job): void {
  defaultJobSpec(job.spec);
  job.spec.manualSelector ??= false;
  // Runs after the selector was generated, so the Job carries its pods' generated labels, as kube's Jobs read back do.
  const labels = job.spec.template.metadata?.labels;
  if (labels && Object.keys(labels).length > 0 && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
}

/**
 * generateSelector is kube's job strategy PrepareForCreate step: unless spec.manualSelector, the pod template gets
 * the controller-uid and job-name labels (new and legacy keys) and the selector matches the controller uid.
 */
export function generateJobSelector(job: Job): void {
  if (job.spec.manualSelector === true) return;
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  const template = job.spec.template;
  const labels = ((template.metadata ??= {}).labels ??= {});
  // An existing job-name label is the user's (kube keeps it rather than overwriting).
  labels[LEGACY_JOB_NAME_LABEL] ??= name;
  labels[JOB_NAME_LABEL] = name;
  labels[LEGACY_JOB_CONTROLLER_UID_LABEL] = uid;
  labels[JOB_CONTROLLER_UID_LABEL] = uid;
  const selector = (job.spec.selector ??= {});
  const match = (selector.matchLabels ??= {});
  // A user's controller-uid of another value is left alone so validation rejects it.
  match[JOB_CONTROLLER_UID_LABEL] ??= uid;
}

const RESTART_POLICIES = ['OnFailure', 'Never'];
const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

/** validateJobSpec is kube's validateJobSpec: counts, modes, the pod template and the pod failure policy. */
export function validateJobSpec(spec: JobSpec, path: string, errs: FieldErrors): void {
  errs.nonNegative(`${path}.parallelism`, spec.parallelism);
  errs.nonNegative(`${path}.completions`, spec.completions);
  errs.nonNegative(`${path}.backoffLimit`, spec.backoffLimit);
  errs.nonNegative(`${path}.ttlSecondsAfterFinished`, spec.ttlSecondsAfterFinished);
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    errs.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be greater than 0');
  }
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
    errs.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']);
  }
  if (spec.completionMode === 'Indexed') {
    if (spec.completions === undefined) errs.required(`${path}.completions`, 'when completion mode is Indexed');
    if ((spec.parallelism ?? 0) > MAX_PARALLELISM_FOR_INDEXED_JOB) {
      errs.invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`);
    }
  }
  if (spec.selector) validateLabelSelector(spec.selector, `${path}.selector`, errs);
  const template = spec.template;
  const labels = template.metadata?.labels ?? {};
  if (spec.selector && !selectorMatches(spec.selector, labels)) {
    errs.invalid(`${path}.template.metadata.labels`, labels, '`selector` does not match template `labels`');
  }
  validateLabels(template.metadata?.labels, `${path}.template.metadata.labels`, errs);
  validateAnnotations(template.metadata?.annotations, `${path}.template.metadata.annotations`, errs);
  validatePodSpec(template.spec, `${path}.template.spec`, errs);
  const restart = template.spec.restartPolicy;
  if (restart === undefined) errs.required(`${path}.template.spec.restartPolicy`);
  else if (!RESTART_POLICIES.includes(restart)) errs.notSupported(`${path}.template.spec.restartPolicy`, restart, RESTART_POLICIES);
  const rules = spec.podFailurePolicy?.rules ?? [];
  if (rules.length > 0 && restart !== undefined && restart !== 'Never') {
    errs.invalid(`${path}.template.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified');
  }
  rules.forEach((rule, i) => {
    const p = `${path}.podFailurePolicy.rules[${i}]`;
    if (!POD_FAILURE_ACTIONS.includes(rule.action)) errs.notSupported(`${p}.action`, rule.action, POD_FAILURE_ACTIONS);
    if (rule.action === 'FailIndex' && spec.completionMode !== 'Indexed') errs.forbidden(`${p}.action`, 'FailIndex is only supported for Indexed Jobs with backoffLimitPerIndex');
    if (!!rule.onExitCodes === !!rule.onPodConditions) errs.invalid(p, '', 'specifying one of OnExitCodes and OnPodConditions is required');
    const codes = rule.onExitCodes;
    if (codes) {
      if (codes.operator !== 'In' && codes.operator !== 'NotIn') errs.notSupported(`${p}.onExitCodes.operator`, codes.operator, ['In', 'NotIn']);
      if (codes.values.length === 0) errs.invalid(`${p}.onExitCodes.values`, codes.values, 'at least one value is required');
      if (codes.operator === 'In' && codes.values.includes(0)) errs.invalid(`${p}.onExitCodes.values`, 0, 'must not be 0 for the In operator');
    }
  });
}

function validateGeneratedSelector(job: Job, errs: FieldErrors): void {
  if (job.spec.manualSelector === true) return;
  const uid = job.metadata.uid ?? '';
  const sel = job.spec.selector;
  if (!sel || sel.matchLabels?.[JOB_CONTROLLER_UID_LABEL] !== uid || (sel.matchExpressions ?? []).length > 0 || Object.keys(sel.matchLabels).length !== 1) {
    errs.invalid('spec.selector', sel ? formatLabelSelector(sel) : '', '`selector` not auto-generated');
  }
  const labels = job.spec.template.metadata?.labels ?? {};
  if (labels[JOB_CONTROLLER_UID_LABEL] !== uid) errs.invalid(`spec.template.metadata.labels[${JOB_CONTROLLER_UID_LABEL}]`, labels[JOB_CONTROLLER_UID_LABEL] ?? '', `must be '${uid}'`);
  if (labels[JOB_NAME_LABEL] !== job.metadata.name) errs.invalid(`spec.template.metadata.labels[${JOB_NAME_LABEL}]`, labels[JOB_NAME_LABEL] ?? '', `must be '${job.metadata.name}'`);
}

function validateJob(job: Job, errs: FieldErrors, old?: Job): void {
  if (!job.spec.selector) errs.required('spec.selector');
  validateJobSpec(job.spec, 'spec', errs);
  validateGeneratedSelector(job, errs);
  if (!old) return;
  // ValidateJobSpecUpdate: what defines the pods a Job has made may not change under it.
  if (!deepEqual(job.spec.selector, old.spec.selector)) errs.immutable('spec.selector', formatLabelSelector(job.spec.selector));
  if (job.spec.completionMode !== old.spec.completionMode) errs.immutable('spec.completionMode', job.spec.completionMode);
  if (job.spec.manualSelector !== old.spec.manualSelector) errs.immutable('spec.manualSelector', job.spec.manualSelector);
  if (!deepEqual(job.spec.podFailurePolicy, old.spec.podFailurePolicy)) errs.immutable('spec.podFailurePolicy', job.spec.podFailurePolicy);
  // Elastic Indexed Jobs: completions may follow parallelism when both move together.
  const elastic = job.spec.completionMode === 'Indexed' && job.spec.completions === job.spec.parallelism && old.spec.completions === old.spec.parallelism;
  if (job.spec.completions !== old.spec.completions && !elastic) errs.immutable('spec.completions', job.spec.completions);
  // A suspended Job that never started may change its pods' scheduling; everything else in the template is fixed.
  const mayMutate = old.spec.suspend === true && !old.status?.startTime;
  if (!mayMutate && !deepEqual(job.spec.template, old.spec.template)) errs.immutable('spec.template', '');
}

/** jobCondition returns the Job's condition of `type` when its status is True. */
export function jobCondition(job: Pick<Job, 'status'>, type: JobConditionType): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** isJobFinished is kube's IsJobFinished: a Complete or Failed condition is True. */
export function isJobFinished(job: Pick<Job, 'status'>): boolean {
  return !!(jobCondition(job, 'Complete') ?? jobCondition(job, 'Failed'));
}

/** jobStatusText is the STATUS column of `kubectl get jobs` (kube printers.go printJob, 1.32). */
export function jobStatusText(job: Job): string {
  if (jobCondition(job, 'Complete')) return 'Complete';
  if (jobCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (jobCondition(job, 'Suspended')) return 'Suspended';
  if (jobCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (jobCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsText(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationText(job: Job, nowMs: number): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : nowMs;
  return humanDuration(end - Date.parse(start));
}

export const jobKind = defineKind({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  categories: ['all'],
  hasStatus: true,
  schema: jobSchema,
  defaults: defaultJob,
  validate: validateJob,
  fields: { 'status.successful': (j: Job) => String(j.status?.succeeded ?? 0) },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'Status of the job.'),
      column('Completions', 'The completion status of the job.'),
      column('Duration', 'Time required to complete the job.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column('Selector', 'A label query over pods that should match the pod count.', { wide: true }),
    ],
    cells(job, nowMs) {
      // Printers see whatever is stored or listed, so a Job without a spec still prints.
      const [names, images] = containerCells(job.spec?.template?.spec?.containers);
      return [
        job.metadata.name ?? '',
        jobStatusText(job),
        completionsText(job),
        durationText(job, nowMs),
        sinceTimestamp(job.metadata.creationTimestamp, nowMs),
        names,
        images,
        formatLabelSelector(job.spec?.selector),
      ];
    },
  },
  strategy: {
    prepareForCreate(job) {
      job.status = {};
      generateJobSelector(job);
    },
  },
});
