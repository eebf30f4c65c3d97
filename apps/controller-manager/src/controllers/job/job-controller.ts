import { isDeepStrictEqual } from 'node:util';
import {
  controllerOf,
  formatTime,
  isJobFinished,
  isNotFound,
  jobCondition,
  newControllerRef,
  objectKey,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_COMPLETION_INDEX_ENV,
  type Job,
  type JobCondition,
  type JobConditionType,
  type JobStatus,
  type Pod,
} from '@skiff/api';
import { OWNER_UID_INDEX, unwrapTombstone, watch, type EventRecorder, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { isPodActive, isPodReady, isPodTerminating, restartCount } from '../../util/pod-state.js';
import { ControllerExpectations } from '../replica-set/controller-expectations.js';
import { ownedPodHandler } from '../../util/owned-pod-handler.js';
import { formatIndexes, parseIndexes } from './completed-indexes.js';
import { FinalizerRemovals, hasTrackingFinalizer, JOB_TRACKING_FINALIZER, removeTrackingFinalizer } from './job-tracking-finalizer.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

/** Pod re-creation after failures waits 10s, 20s, 40s, ... up to 6 minutes, as kube's job controller does. */
export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 360_000;

export interface JobControllerOptions extends ControllerDeps {
  recorder: EventRecorder;
  /** Base of the failure backoff; tests shorten it. */
  podFailureBackoffMs?: number;
}

/**
 * PodChanges is what one sync did to a Job's active pods: kube's manageJob reports active as the pods it saw plus
 * those it created minus those it deleted, so status.active is right after the sync that made the pods, not one later.
 */
interface PodChanges {
  created: number;
  deleted: number;
  /** Of the deleted pods, those that were Ready. */
  deletedReady: number;
  /** How long new pods still wait for the failure backoff. */
  requeueAfterMs?: number;
}

/** Finish is the terminal condition a reconcile decided on. */
interface Finish {
  type: 'Complete' | 'Failed';
  reason: string;
  message: string;
}

/**
 * JobController runs each Job's pods to completion, after kube's pkg/controller/job: it keeps up to
 * spec.parallelism pods active until spec.completions succeeded (or, with no completions, until one succeeded and
 * the rest finished), counts failures against backoffLimit (with restarts, for OnFailure), applies the
 * podFailurePolicy, fails the Job past activeDeadlineSeconds, deletes active pods while suspended, and for Indexed
 * Jobs gives each pod its index (annotation, label, JOB_COMPLETION_INDEX, hostname). Finished Jobs with
 * ttlSecondsAfterFinished are deleted when it expires (kube's ttl-after-finished controller, folded in here).
 * Pods are tracked with the batch.kubernetes.io/job-tracking finalizer (see job-tracking-finalizer.ts): each
 * finished pod is counted exactly once, even when it is deleted before the controller saw it finish.
 */
export class JobController extends ManagedController {
  readonly expectations: ControllerExpectations;
  readonly #recorder: EventRecorder;
  readonly #backoffMs: number;
  readonly finalizerRemovals = new FinalizerRemovals();
  /** The resourceVersion of each Job's last status write, until the cache shows it. */
  readonly #written = new Map<string, string>();

  constructor(opts: JobControllerOptions) {
    super('job', opts, 5);
    this.#recorder = opts.recorder;
    this.#backoffMs = opts.podFailureBackoffMs ?? DEFAULT_JOB_POD_FAILURE_BACKOFF_MS;
    this.expectations = new ControllerExpectations(this.clock);
    this.watch([
      watch.handler(this.informers.jobs, (queue) => ({
        onAdd: (job) => queue.add(objectKey(job)),
        onUpdate: (_old, job) => queue.add(objectKey(job)),
        onDelete: (obj) => this.expectations.forget(objectKey(unwrapTombstone(obj))),
      })),
      watch.handler(this.informers.pods, (queue) => {
        const owned = ownedPodHandler(this.expectations, (pod) => this.#ownerKey(pod), queue);
        return {
          onAdd: (pod, initial) => owned.onAdd?.(pod, initial),
          onUpdate: (old, pod) => {
            this.finalizerRemovals.observe(pod);
            owned.onUpdate?.(old, pod);
          },
          onDelete: (obj) => {
            this.finalizerRemovals.observe(unwrapTombstone(obj), true);
            owned.onDelete?.(obj);
          },
        };
      }),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const orphan = key.startsWith(ORPHAN_POD_PREFIX) ? this.informers.pods.indexer.get(key.slice(ORPHAN_POD_PREFIX.length)) : undefined;
    if (orphan) return this.#releaseOrphan(orphan);
    const cached = this.informers.jobs.indexer.get(key);
    if (!cached) {
      this.expectations.forget(key);
      this.#written.delete(key);
      return {};
    }
    const job = await this.#current(key, cached);
    // Expectations are read before the pods, with no await between (kube's syncJob): a pod this controller created
    // that reaches the cache after the pods were read would otherwise lower the expectations too, and the pods
    // counted here, missing it, would be topped up with one pod too many.
    const satisfied = this.expectations.satisfied(key);
    // The owner-uid index, not a scan of every pod: a 1,000-completion Job reconciles once per pod change.
    const pods = this.informers.pods.indexer.byIndex(OWNER_UID_INDEX, job.metadata.uid ?? '').filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    // A Job being deleted or already finished counts nothing more: its pods are let go so they can be removed.
    if (job.metadata.deletionTimestamp) {
      await this.#releaseAll(pods);
      return {};
    }
    const now = this.clock.now();
    const status: JobStatus = structuredClone(job.status ?? {});
    // Events wait for the status write that makes them true: one that conflicts is retried, and must not repeat them.
    const events: Array<Parameters<EventRecorder['event']>> = [];
    if (isJobFinished(job)) {
      await this.#track(job, status, pods, { countNew: false });
      await this.#writeStatus(job, status);
      return this.#expireFinished(job, now);
    }

    const active = pods.filter(isPodActive);
    const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
    const indexed = job.spec.completionMode === 'Indexed';
    const conditions = (status.conditions ??= []);

    let finish: Finish | undefined;
    for (const pod of failedPods) {
      const match = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
      if (match?.action === 'FailJob') finish ??= { type: 'Failed', reason: 'PodFailurePolicy', message: match.message };
    }
    // Counts come from the tracked pods: each finished pod once, through uncountedTerminatedPods.
    const succeededIndexes = await this.#track(job, status, pods, { countNew: true });
    status.succeeded ??= 0;
    status.failed ??= 0;
    const failed = status.failed ?? 0;
    const succeeded = indexed ? succeededIndexes.size : (status.succeeded ?? 0);

    const suspended = job.spec.suspend === true;
    const wasSuspended = jobCondition(job, 'Suspended') !== undefined;
    if (suspended && !wasSuspended) {
      setCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      events.push([job, 'Normal', 'Suspended', 'Job suspended']);
    } else if (!suspended && wasSuspended) {
      setCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
      events.push([job, 'Normal', 'Resumed', 'Job resumed']);
      // The deadline counts from the resume: a suspended Job's time does not run (kube resets startTime).
      delete status.startTime;
    }
    if (!suspended) status.startTime ??= formatTime(now);

    const completions = job.spec.completions;
    const backoffLimit = job.spec.backoffLimit ?? 6;
    if (!finish && !suspended) {
      if (failed > backoffLimit || pastBackoffLimitOnFailure(job, active, failed)) {
        finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      } else if (job.spec.activeDeadlineSeconds !== undefined && status.startTime && now >= Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000) {
        finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      }
    }
    if (!finish) {
      const done = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;
      if (done) finish = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    }

    let manageError: unknown;
    // Counted as the creates and deletes settle, so a sync that fails half way still reports what it did.
    const changes: PodChanges = { created: 0, deleted: 0, deletedReady: 0 };
    try {
      if (finish || suspended) {
        // Finished or suspended Jobs keep no pods running.
        await this.#deletePods(key, job, active, changes);
      } else if (satisfied) {
        // A Job that replaces only Failed pods waits for its terminating ones to fail (kube's manageJob).
        const terminating = onlyReplaceFailedPods(job) ? pods.filter(isPodTerminating) : [];
        await this.#manage(key, job, active, terminating, succeeded, succeededIndexes, failedPods, now, changes);
      }
    } catch (err) {
      manageError = err;
    }
    const requeueAfterMs = changes.requeueAfterMs;
    // kube's syncJob declares a Job finished only once all its active pods are deleted and its expectations are met:
    // finished, it is not synced again, so the pods a failed delete left, or a pod it created that the cache does not
    // show yet, would stay running and uncounted. The error, or the awaited pod event, retries the sync.
    if (finish && (changes.deleted < active.length || !satisfied)) finish = undefined;

    if (finish) {
      if (finish.type === 'Failed') setCondition(conditions, 'FailureTarget', 'True', finish.reason, finish.message, now);
      else setCondition(conditions, 'SuccessCriteriaMet', 'True', finish.reason, finish.message, now);
      setCondition(conditions, finish.type, 'True', finish.reason, finish.message, now);
      if (finish.type === 'Complete') {
        status.completionTime = formatTime(now);
        events.push([job, 'Normal', 'Completed', 'Job completed']);
      } else {
        events.push([job, 'Warning', finish.reason, finish.message]);
      }
    }
    // kube's syncJob: active = active pods + created - deleted, ready less the Ready pods deleted (new ones are not
    // Ready yet), and the pods just deleted are terminating.
    status.active = active.length + changes.created - changes.deleted;
    status.ready = active.filter(isPodReady).length - changes.deletedReady;
    status.terminating = pods.filter(isPodTerminating).length + changes.deleted;
    if (conditions.length === 0) delete status.conditions;
    await this.#writeStatus(job, status);
    for (const e of events) this.#recorder.event(...e);
    if (manageError) throw manageError;
    if (finish) return this.#expireFinished({ ...job, status }, now);
    const deadline = !suspended && job.spec.activeDeadlineSeconds !== undefined && status.startTime ? Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000 - now : undefined;
    const after = [requeueAfterMs, deadline].filter((v): v is number => v !== undefined && v > 0);
    return after.length ? { requeueAfterMs: Math.min(...after) } : {};
  }

  /** manage creates or deletes pods toward the wanted number of active pods, counting them in `changes`. */
  async #manage(key: string, job: Job, active: Pod[], terminating: Pod[], succeeded: number, succeededIndexes: Set<number>, failedPods: Pod[], now: number, changes: PodChanges): Promise<void> {
    const parallelism = job.spec.parallelism ?? 1;
    const completions = job.spec.completions;
    if (job.spec.completionMode === 'Indexed') {
      const total = completions ?? 0;
      const seen = new Set<number>();
      const surplus: Pod[] = [];
      for (const pod of active) {
        const i = podIndex(pod, job);
        // Out of range, duplicated or already succeeded indexes are not worth running.
        if (i === undefined || i >= total || seen.has(i) || succeededIndexes.has(i)) surplus.push(pod);
        else seen.add(i);
      }
      const running = active.length - surplus.length;
      const excess = Math.max(0, running - parallelism);
      const victims = [...surplus, ...active.filter((p) => !surplus.includes(p)).slice(0, excess)];
      if (victims.length) await this.#deletePods(key, job, victims, changes);
      const pending: number[] = [];
      const replacing = new Set(terminating.map((p) => podIndex(p, job)));
      for (let i = 0; i < total && pending.length < parallelism - (running - excess) - terminating.length; i++) if (!seen.has(i) && !succeededIndexes.has(i) && !replacing.has(i)) pending.push(i);
      return this.#createWithBackoff(key, job, pending, failedPods, now, changes);
    }
    // A work-queue Job (no completions) starts nothing once a pod succeeded but lets the running ones finish.
    const want = completions === undefined ? Math.min(succeeded > 0 ? active.length : parallelism, parallelism) : Math.max(0, Math.min(parallelism, completions - succeeded));
    if (active.length > want) {
      // Pending pods go first: they have done the least work.
      const victims = [...active].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b))).slice(0, active.length - want);
      await this.#deletePods(key, job, victims, changes);
      return;
    }
    return this.#createWithBackoff(key, job, Array.from({ length: Math.max(0, want - active.length - terminating.length) }, () => undefined), failedPods, now, changes);
  }

  async #createWithBackoff(key: string, job: Job, indexes: Array<number | undefined>, failedPods: Pod[], now: number, changes: PodChanges): Promise<void> {
    if (indexes.length === 0) return;
    const wait = this.#backoffRemaining(failedPods, now);
    if (wait > 0) {
      changes.requeueAfterMs = wait;
      return;
    }
    this.expectations.expectCreations(key, indexes.length);
    const results = await Promise.allSettled(indexes.map((i) => this.#createPod(job, i)));
    const failures = results.filter((r) => r.status === 'rejected');
    changes.created += results.length - failures.length;
    for (let n = 0; n < failures.length; n++) this.expectations.creationObserved(key);
    if (failures.length) throw (failures[0] as PromiseRejectedResult).reason;
  }

  /** backoffRemaining is how long new pods still wait after the last failure: base * 2^(failures-1), capped. */
  #backoffRemaining(failedPods: Pod[], now: number): number {
    if (failedPods.length === 0) return 0;
    const last = Math.max(...failedPods.map(finishedAt));
    const delay = Math.min(this.#backoffMs * 2 ** (failedPods.length - 1), MAX_JOB_POD_FAILURE_BACKOFF_MS);
    return Math.max(0, last + delay - now);
  }

  async #createPod(job: Job, index: number | undefined): Promise<void> {
    const template = job.spec.template;
    const meta = template.metadata ?? {};
    const spec = structuredClone(template.spec);
    const labels = { ...meta.labels };
    const annotations = { ...meta.annotations };
    const name = job.metadata.name ?? '';
    if (index !== undefined) {
      labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
      annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
      // Indexed pods get a stable hostname and their index in the environment through the downward API.
      spec.hostname ??= `${name}-${index}`;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) continue;
        (c.env ??= []).push({ name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } });
      }
    }
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        namespace: job.metadata.namespace,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [newControllerRef(job)],
        finalizers: [JOB_TRACKING_FINALIZER],
      },
      spec,
    };
    try {
      const created = await this.client.pods.create(pod);
      this.#recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.#recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /** deletePods deletes `pods`; one already gone counts as deleted (kube's deleteJobPods), a failed delete does not. */
  async #deletePods(key: string, job: Job, pods: Pod[], changes: PodChanges): Promise<void> {
    if (pods.length === 0) return;
    const deleted = (pod: Pod): void => {
      changes.deleted++;
      if (isPodReady(pod)) changes.deletedReady++;
    };
    this.expectations.expectDeletions(key, pods.map((p) => objectKey(p)));
    const results = await Promise.allSettled(
      pods.map(async (pod) => {
        try {
          await this.client.pods.delete(pod.metadata.name ?? '', { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
          deleted(pod);
          this.#recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (isNotFound(err)) {
            deleted(pod);
            return;
          }
          this.#recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** expireFinished deletes a finished Job once ttlSecondsAfterFinished passed, or says when to look again. */
  async #expireFinished(job: Job, now: number): Promise<ReconcileResult> {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return {};
    const cond = jobCondition(job, 'Complete') ?? jobCondition(job, 'Failed');
    const finishedAtMs = cond?.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : now;
    const expireAt = finishedAtMs + ttl * 1000;
    if (now < expireAt) return { requeueAfterMs: expireAt - now };
    try {
      // Foreground, as kube's ttl-after-finished controller: the Job goes once its pods are gone.
      await this.client.jobs.delete(job.metadata.name ?? '', { namespace: job.metadata.namespace, propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }

  #ownerKey(pod: Pod): string | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const job = this.informers.jobs.indexer.get(key);
    if (job && job.metadata.uid === ref.uid) return key;
    // A tracked pod whose Job is gone would be held by its finalizer forever: it gets a sync of its own.
    return hasTrackingFinalizer(pod) ? `${ORPHAN_POD_PREFIX}${objectKey(pod)}` : undefined;
  }

  /**
   * current is the Job to reconcile: a copy of the cached one, or the live one while the cache does not show this
   * controller's last status write yet. Counting from a stale status would miss the pods counted by that write
   * (their finalizers are already off) and start pods beyond the completions.
   */
  async #current(key: string, cached: Job): Promise<Job> {
    const written = this.#written.get(key);
    if (written === undefined || written === cached.metadata.resourceVersion) {
      this.#written.delete(key);
      return structuredClone(cached);
    }
    try {
      const live = await this.client.jobs.get(cached.metadata.name ?? '', { namespace: cached.metadata.namespace });
      this.#written.set(key, live.metadata.resourceVersion ?? '');
      return live;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.#written.delete(key);
      return structuredClone(cached);
    }
  }

  async #writeStatus(job: Job, status: JobStatus): Promise<void> {
    if (isDeepStrictEqual(job.status ?? {}, status)) return;
    const next = structuredClone(job);
    next.status = status;
    const written = await this.client.jobs.updateStatus(next);
    // The next write of this reconcile goes on from what was stored.
    job.metadata.resourceVersion = written.metadata.resourceVersion;
    job.status = structuredClone(status);
    this.#written.set(objectKey(job), written.metadata.resourceVersion ?? '');
  }

  /**
   * track counts the Job's finished pods, kube's trackJobStatusAndRemoveFinalizers: every finished (or deleted)
   * pod still holding the finalizer is recorded in status.uncountedTerminatedPods, that is written, then the
   * finalizers come off and the recorded pods move into succeeded/failed. `countNew` false (a finished Job) only
   * settles what was recorded and lets every pod go. It returns the completed indexes of an Indexed Job.
   */
  async #track(job: Job, status: JobStatus, pods: Pod[], opts: { countNew: boolean }): Promise<Set<number>> {
    const uncounted = { succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods?.failed ?? []) };
    const indexes = new Set<number>(parseIndexes(status.completedIndexes));
    const byUid = new Map(pods.map((p) => [p.metadata.uid ?? '', p]));
    const release: Pod[] = [];
    let recorded = false;
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      if (!hasTrackingFinalizer(pod) || this.finalizerRemovals.pending(uid) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
      const phase = pod.status?.phase;
      const done = phase === 'Succeeded' || isPodFailed(pod, job);
      if (!opts.countNew) {
        release.push(pod);
        continue;
      }
      if (!done) continue;
      if (phase === 'Succeeded') {
        uncounted.succeeded.add(uid);
        recorded = true;
      } else if (job.spec.suspend === true || matchPodFailurePolicy(job.spec.podFailurePolicy, pod)?.action === 'Ignore') {
        // Pods the controller deleted for a suspend, or failures the policy ignores, are let go uncounted.
        release.push(pod);
      } else {
        uncounted.failed.add(uid);
        recorded = true;
      }
    }
    const flush = (): void => {
      const left = { succeeded: [...uncounted.succeeded], failed: [...uncounted.failed] };
      if (left.succeeded.length || left.failed.length) status.uncountedTerminatedPods = left;
      else delete status.uncountedTerminatedPods;
    };
    flush();
    // Written before any finalizer comes off: a crash after this point finds the pods in the status.
    if (recorded) await this.#writeStatus(job, status);
    const toRelease = [...[...uncounted.succeeded, ...uncounted.failed].map((uid) => byUid.get(uid)).filter((p): p is Pod => p !== undefined && hasTrackingFinalizer(p) && !this.finalizerRemovals.pending(p.metadata.uid ?? '')), ...release];
    const removed = new Set<string>();
    const results = await Promise.allSettled(toRelease.map(async (pod) => {
      await this.#removeFinalizer(pod);
      removed.add(pod.metadata.uid ?? '');
    }));
    const failure = results.find((r) => r.status === 'rejected');
    // A recorded pod is counted once its finalizer is off: removed now, or before (gone, or the cache shows it so or
    // has not shown the removal yet).
    const settled = (uid: string): boolean => {
      const pod = byUid.get(uid);
      return !pod || !hasTrackingFinalizer(pod) || removed.has(uid) || this.finalizerRemovals.pending(uid);
    };
    for (const uid of [...uncounted.succeeded]) {
      if (!settled(uid)) continue;
      uncounted.succeeded.delete(uid);
      status.succeeded = (status.succeeded ?? 0) + 1;
      const pod = byUid.get(uid);
      const i = pod ? podIndex(pod, job) : undefined;
      if (i !== undefined) indexes.add(i);
    }
    for (const uid of [...uncounted.failed]) {
      if (!settled(uid)) continue;
      uncounted.failed.delete(uid);
      status.failed = (status.failed ?? 0) + 1;
    }
    flush();
    if (job.spec.completionMode === 'Indexed') {
      status.completedIndexes = formatIndexes(indexes);
      status.succeeded = indexes.size;
    }
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return indexes;
  }

  /** releaseAll lets every pod of a Job being deleted go, so foreground deletion and the garbage collector finish. */
  async #releaseAll(pods: Pod[]): Promise<void> {
    await Promise.all(pods.filter((p) => hasTrackingFinalizer(p) && !this.finalizerRemovals.pending(p.metadata.uid ?? '')).map((p) => this.#removeFinalizer(p)));
  }

  /**
   * removeFinalizer takes the tracking finalizer off a pod. The removal is expected before the patch is sent (kube's
   * expectFinalizersRemoved): the watch may show it before the patch returns, and an expectation raised after that
   * would never be cleared. One the cache already shows met (the pod gone, or without the finalizer) is dropped too.
   */
  async #removeFinalizer(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    this.finalizerRemovals.expect(uid);
    try {
      await removeTrackingFinalizer(this.client, pod);
    } catch (err) {
      this.finalizerRemovals.cancel(uid);
      throw err;
    }
    const cached = this.informers.pods.indexer.get(objectKey(pod));
    if (!cached || cached.metadata.uid !== uid || !hasTrackingFinalizer(cached)) this.finalizerRemovals.cancel(uid);
  }

  /** releaseOrphan takes the finalizer off a pod whose Job no longer exists (kube's syncOrphanPod). */
  async #releaseOrphan(pod: Pod): Promise<ReconcileResult> {
    const ref = controllerOf(pod);
    const job = ref ? this.informers.jobs.indexer.get(`${pod.metadata.namespace}/${ref.name}`) : undefined;
    if (hasTrackingFinalizer(pod) && (!job || job.metadata.uid !== ref?.uid)) await this.#releaseAll([pod]);
    return {};
  }
}

/** ORPHAN_POD_PREFIX marks a queue key that names a tracked pod whose Job is gone, not a Job. */
const ORPHAN_POD_PREFIX = 'orphan-pod:';

/** podIndex reads an Indexed Job pod's completion index from its annotation (undefined when absent or invalid). */
function podIndex(pod: Pod, job: Job): number | undefined {
  if (job.spec.completionMode !== 'Indexed') return undefined;
  const raw = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * pastBackoffLimitOnFailure: with restartPolicy OnFailure the node restarts failing containers in place, so their
 * restarts count as failures (kube's pastBackoffLimitOnFailure).
 */
/**
 * isPodFailed is kube's: a Failed pod, or one being deleted before it finished, which may never reach a phase (an
 * orphan) — unless the Job replaces only Failed pods (podReplacementPolicy Failed, implied by a podFailurePolicy).
 * Such a Job waits for the terminal phase: the pod keeps its finalizer meanwhile, and its policy rules (exit codes,
 * DisruptionTarget) are matched against how it really ended.
 */
function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

/** onlyReplaceFailedPods is kube's: podReplacementPolicy Failed, which a podFailurePolicy implies. */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy !== undefined;
}

function pastBackoffLimitOnFailure(job: Job, active: Pod[], failed: number): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  const restarts = active.reduce((n, p) => n + restartCount(p), 0) + failed;
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** finishedAt is when a failed pod's last container stopped (its creation time when the node said nothing). */
function finishedAt(pod: Pod): number {
  const times = (pod.status?.containerStatuses ?? []).map((c) => Date.parse(c.state?.terminated?.finishedAt ?? '')).filter(Number.isFinite);
  return times.length ? Math.max(...times) : Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
}

function setCondition(conditions: JobCondition[], type: JobConditionType, status: JobCondition['status'], reason: string, message: string, now: number): void {
  const existing = conditions.find((c) => c.type === type);
  const time = formatTime(now);
  if (existing) {
    if (existing.status !== status) existing.lastTransitionTime = time;
    Object.assign(existing, { status, reason, message, lastProbeTime: time });
    return;
  }
  conditions.push({ type, status, lastProbeTime: time, lastTransitionTime: time, reason, message });
}
