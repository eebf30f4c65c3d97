/**
 * @module cronJobKind: batch/v1 CronJob (types, schema, SetDefaults_CronJob, validation, `kubectl get cronjobs`
 * columns) and the cron schedule parser the api-server and the cronjob controller share.
 */
import { createRequire } from 'node:module';
import type { CronExpressionParser as Parser } from 'cron-parser';
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { defaultPodSpec } from '../defaults/default-pod-spec.js';
import type { ObjectReference } from '../event.js';
import type { ObjectMeta } from '../meta.js';
import { formatLabelSelector } from '../printers/format-label-selector.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, NONE, column, containerCells } from '../printers/resource-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { enumString, int, int64 } from '../validation/schema-helpers.js';
import { validateAnnotations, validateLabels } from '../validation/validate-meta.js';
import { jobSpecSchema, validateJobSpec, type JobTemplateSpec } from './job.js';
import { objectReferenceSchema } from '../validation/meta-schema.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION records, on each Job a CronJob creates, the time it was scheduled for. */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** CRONJOB_INSTANTIATE_ANNOTATION marks a Job made by `kubectl create job --from=cronjob/NAME` ("manual"). */
export const CRONJOB_INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';
/** CRONJOB_NAME_MAX_LENGTH: Job names append 11 characters (`-<minutes>`) and must stay DNS-1035 labels of 63. */
export const CRONJOB_NAME_MAX_LENGTH = 52;

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMeta;
  spec: CronJobSpec;
  status?: CronJobStatus;
}

/** cronJobSchema decodes batch/v1 CronJob. */
export const cronJobSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('batch/v1'),
  kind: zod.literal('CronJob'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      schedule: zod.string().default(''),
      timeZone: zod.string().optional(),
      startingDeadlineSeconds: int64().optional(),
      concurrencyPolicy: enumString<ConcurrencyPolicy>().optional(),
      suspend: zod.boolean().optional(),
      jobTemplate: zod
        .object({ metadata: objectMetaSchema().optional(), spec: jobSpecSchema().default({ template: { spec: { containers: [] } } }) })
        .default({ spec: { template: { spec: { containers: [] } } } }),
      successfulJobsHistoryLimit: int().optional(),
      failedJobsHistoryLimit: int().optional(),
    })
    .default({ schedule: '', jobTemplate: { spec: { template: { spec: { containers: [] } } } } }),
  status: zod
    .object({
      active: zod.array(objectReferenceSchema()).optional(),
      lastScheduleTime: zod.string().optional(),
      lastSuccessfulTime: zod.string().optional(),
    })
    .optional(),
}) satisfies z.ZodType<CronJob>);

// cron-parser (with luxon) loads on the first schedule parsed: only CronJobs need it, and few processes see one.
const require = createRequire(import.meta.url);
let parser: typeof Parser | undefined;
function cronParser(): typeof Parser {
  return (parser ??= (require('cron-parser') as typeof import('cron-parser')).CronExpressionParser);
}

/** CronSchedule yields a schedule's times, in milliseconds since the epoch. */
export interface CronSchedule {
  /** next is the first time strictly after `afterMs`. */
  next(afterMs: number): number;
  /** prev is the last time at or before `atMs`. */
  prev(atMs: number): number;
}

/**
 * parseCronSchedule reads a standard five-field cron schedule (or @yearly, @monthly, @weekly, @daily, @midnight,
 * @hourly), evaluated in `timeZone` (UTC when unset), as kube's robfig/cron ParseStandard does. It throws with the
 * parser's message for anything else, including the six-field (seconds) form kube does not accept.
 */
export function parseCronSchedule(schedule: string, timeZone?: string): CronSchedule {
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) throw new Error('CRON_TZ or TZ used in schedule; use the timeZone field');
  if (!trimmed.startsWith('@') && trimmed.split(/\s+/).length !== 5) {
    throw new Error(`expected exactly 5 fields, found ${trimmed ? trimmed.split(/\s+/).length : 0}: [${trimmed}]`);
  }
  if (trimmed.startsWith('@') && !/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(trimmed)) {
    throw new Error(`unrecognized descriptor: ${trimmed}`);
  }
  const tz = timeZone ?? 'UTC';
  // Parsing once up front reports a bad expression at validation time, not at the first run.
  cronParser().parse(trimmed, { tz, currentDate: new Date(0) });
  return {
    next(afterMs) {
      return cronParser().parse(trimmed, { tz, currentDate: new Date(afterMs) }).next().getTime();
    },
    prev(atMs) {
      return cronParser().parse(trimmed, { tz, currentDate: new Date(atMs + 1) }).prev().getTime();
    },
  };
}

/** isValidTimeZone reports whether `tz` is an IANA zone name this runtime knows (kube: time.LoadLocation). */
export function isValidTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'Local' || tz.includes(' ')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function defaultCronJob(cj: CronJob): void {
  const spec = cj.spec;
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  // SetDefaults_CronJob leaves the Job fields to the Jobs it creates; only the pod template is defaulted.
  defaultPodSpec(spec.jobTemplate.spec.template.spec);
}

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

function validateCronJob(cj: CronJob, errs: FieldErrors, old?: CronJob): void {
  const name = cj.metadata.name ?? '';
  if (!old && name.length > CRONJOB_NAME_MAX_LENGTH) errs.invalid('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX_LENGTH} characters`);
  const spec = cj.spec;
  if (spec.timeZone !== undefined && !isValidTimeZone(spec.timeZone)) errs.invalid('spec.timeZone', spec.timeZone, 'unknown time zone ' + spec.timeZone);
  if (!spec.schedule) errs.required('spec.schedule');
  else {
    try {
      parseCronSchedule(spec.schedule, spec.timeZone !== undefined && isValidTimeZone(spec.timeZone) ? spec.timeZone : undefined);
    } catch (err) {
      errs.invalid('spec.schedule', spec.schedule, (err as Error).message);
    }
  }
  errs.nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds);
  errs.nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit);
  errs.nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit);
  if (!CONCURRENCY_POLICIES.includes(spec.concurrencyPolicy ?? '')) errs.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy ?? '', CONCURRENCY_POLICIES);
  const tmpl = spec.jobTemplate;
  validateLabels(tmpl.metadata?.labels, 'spec.jobTemplate.metadata.labels', errs);
  validateAnnotations(tmpl.metadata?.annotations, 'spec.jobTemplate.metadata.annotations', errs);
  // The Jobs' selectors are generated when they are created, so the template may not bring one of its own.
  if (tmpl.spec.selector && tmpl.spec.manualSelector !== true) errs.invalid('spec.jobTemplate.spec.selector', formatLabelSelector(tmpl.spec.selector), '`selector` will be auto-generated');
  validateJobSpec(tmpl.spec, 'spec.jobTemplate.spec', errs);
}

export const cronJobKind = defineKind({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  hasStatus: true,
  schema: cronJobSchema,
  defaults: defaultCronJob,
  validate: validateCronJob,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      column('Suspend', 'This flag tells the controller to suspend subsequent executions.', { type: 'boolean' }),
      column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
      column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      column('Selector', 'A label query over pods that should match the pod count.', { wide: true }),
    ],
    cells(cj, nowMs) {
      const tmpl = cj.spec?.jobTemplate?.spec;
      const [names, images] = containerCells(tmpl?.template?.spec?.containers);
      return [
        cj.metadata.name ?? '',
        cj.spec?.schedule ?? '',
        cj.spec?.timeZone ?? NONE,
        cj.spec?.suspend === true ? 'True' : 'False',
        cj.status?.active?.length ?? 0,
        cj.status?.lastScheduleTime ? sinceTimestamp(cj.status.lastScheduleTime, nowMs) : NONE,
        sinceTimestamp(cj.metadata.creationTimestamp, nowMs),
        names,
        images,
        formatLabelSelector(tmpl?.selector),
      ];
    },
  },
});
