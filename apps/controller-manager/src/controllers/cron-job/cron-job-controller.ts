import { isDeepStrictEqual } from 'node:util';
import {
  controllerOf,
  formatTime,
  isAlreadyExists,
  isJobFinished,
  isNotFound,
  isValidTimeZone,
  jobCondition,
  newControllerRef,
  objectKey,
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  type CronJob,
  type CronJobStatus,
  type Job,
  type ObjectReference,
} from '@skiff/api';
import { TerminalError, watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { mostRecentScheduleTime, TOO_MANY_MISSED } from './most-recent-schedule.js';

/** NEXT_SCHEDULE_SLACK_MS: wake a little after the start time, so the clock has surely reached it (kube adds 100ms). */
const NEXT_SCHEDULE_SLACK_MS = 100;

export interface CronJobControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
}

/**
 * CronJobController starts a CronJob's Jobs on its schedule, after kube's cronjob_controllerv2: it keeps
 * status.active in step with the Jobs it owns, runs at most the most recent missed start time (warning
 * TooManyMissedTimes past 100), skips start times older than startingDeadlineSeconds, applies the concurrency
 * policy, prunes finished Jobs beyond the history limits and requeues itself for the next start time. Time comes
 * from the injected clock, so tests move it instead of waiting a minute.
 */
export class CronJobController extends ManagedController {
  readonly #recorder: EventRecorder;

  constructor(opts: CronJobControllerOptions) {
    super('cronjob', opts, 5);
    this.#recorder = opts.recorder;
    this.watch([watch.primary(this.informers.cronjobs), watch.owns(this.informers.jobs, 'CronJob')]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const cached = this.informers.cronjobs.indexer.get(key);
    if (!cached) return {};
    const cj = structuredClone(cached);
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    const jobs = this.informers.jobs.lister().list(cj.metadata.namespace ?? '').filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    await this.#syncActive(cj, status, jobs);
    let result: ReconcileResult = {};
    if (!cj.metadata.deletionTimestamp) {
      await this.#cleanupFinished(cj, jobs);
      if (!cj.spec.suspend) result = await this.#schedule(cj, status);
    }
    if (!isDeepStrictEqual(cj.status ?? {}, status)) {
      cj.status = status;
      await this.client.cronjobs.updateStatus(cj);
    }
    return result;
  }

  /** syncActive drops finished and vanished Jobs from status.active and reports running ones it owns but does not list. */
  async #syncActive(cj: CronJob, status: CronJobStatus, jobs: Job[]): Promise<void> {
    const active = (status.active ??= []);
    for (const job of jobs) {
      const listed = active.some((r) => r.uid === job.metadata.uid);
      if (!listed && !isJobFinished(job)) {
        // A Job made by `kubectl create job --from`, or ours seen before our own status write reached the cache:
        // kube only reports it, after checking the live CronJob, and never adds it to status.active.
        const live = await this.client.cronjobs.get(cj.metadata.name ?? '', { namespace: cj.metadata.namespace });
        if (!live.status?.active?.some((r) => r.uid === job.metadata.uid)) {
          this.#recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
        }
      } else if (listed && isJobFinished(job)) {
        const complete = jobCondition(job, 'Complete');
        this.#recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${complete ? 'Complete' : 'Failed'}`);
        active.splice(active.findIndex((r) => r.uid === job.metadata.uid), 1);
        const done = job.status?.completionTime;
        if (complete && done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
      }
    }
    for (const ref of [...active]) {
      if (jobs.some((j) => j.metadata.uid === ref.uid)) continue;
      // Not in the cache may mean not yet in the cache: ask the api-server before forgetting a Job just created.
      try {
        const live = await this.client.jobs.get(ref.name ?? '', { namespace: ref.namespace });
        if (live.metadata.uid === ref.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.#recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      active.splice(active.indexOf(ref), 1);
    }
    if (active.length === 0) delete status.active;
  }

  async #schedule(cj: CronJob, status: CronJobStatus): Promise<ReconcileResult> {
    if (cj.spec.timeZone !== undefined && !isValidTimeZone(cj.spec.timeZone)) {
      this.#recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}`);
      throw new TerminalError(`cronjob ${objectKey(cj)} has an invalid timeZone ${cj.spec.timeZone}`);
    }
    const now = this.clock.now();
    let state;
    try {
      state = mostRecentScheduleTime({ ...cj, status }, now);
    } catch (err) {
      this.#recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${(err as Error).message}`);
      throw new TerminalError(`cronjob ${objectKey(cj)} has an unparseable schedule: ${(err as Error).message}`, { cause: err });
    }
    const requeue = { requeueAfterMs: state.next - now + NEXT_SCHEDULE_SLACK_MS };
    const scheduled = state.mostRecent;
    if (scheduled === undefined) return requeue;
    if (state.missed > TOO_MANY_MISSED) {
      this.#recorder.event(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${state.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined && scheduled + sds * 1000 < now) {
      this.#recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatTime(scheduled)}`);
      return requeue;
    }
    const name = `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
    const active = status.active ?? [];
    if (active.some((r) => r.name === name)) return requeue;
    if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      this.#recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue;
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...active]) {
        await this.#deleteJob(cj, ref.name ?? '', ref.uid);
        active.splice(active.indexOf(ref), 1);
      }
    }
    let created: Job;
    try {
      created = await this.client.jobs.create(jobFromTemplate(cj, name, scheduled));
    } catch (err) {
      // Already there: an earlier pass created it and its status write was lost; the next sync adopts it.
      if (isAlreadyExists(err)) return requeue;
      this.#recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
    this.#recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    status.active = [...active, jobReference(created)];
    status.lastScheduleTime = formatTime(scheduled);
    return requeue;
  }

  /** cleanupFinished deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
  async #cleanupFinished(cj: CronJob, jobs: Job[]): Promise<void> {
    const byAge = (a: Job, b: Job) => startOf(a) - startOf(b);
    const succeeded = jobs.filter((j) => jobCondition(j, 'Complete')).sort(byAge);
    const failed = jobs.filter((j) => jobCondition(j, 'Failed')).sort(byAge);
    const excess = [
      ...succeeded.slice(0, Math.max(0, succeeded.length - (cj.spec.successfulJobsHistoryLimit ?? 3))),
      ...failed.slice(0, Math.max(0, failed.length - (cj.spec.failedJobsHistoryLimit ?? 1))),
    ];
    for (const job of excess) if (!job.metadata.deletionTimestamp) await this.#deleteJob(cj, job.metadata.name ?? '', job.metadata.uid);
  }

  async #deleteJob(cj: CronJob, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.client.jobs.delete(name, { namespace: cj.metadata.namespace, propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) });
      this.#recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.#recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      throw err;
    }
  }
}

/** jobFromTemplate builds the Job for one start time: the template's metadata and spec, owned by the CronJob. */
export function jobFromTemplate(cj: CronJob, name: string, scheduled: number): Job {
  const tmpl = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...tmpl.metadata?.labels },
      annotations: { ...tmpl.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatTime(scheduled) },
      ownerReferences: [newControllerRef(cj)],
    },
    spec: structuredClone(tmpl.spec),
  };
}

function jobReference(job: Job): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, namespace: job.metadata.namespace, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion };
}

function startOf(job: Job): number {
  return Date.parse(job.status?.startTime ?? job.metadata.creationTimestamp ?? '') || 0;
}
