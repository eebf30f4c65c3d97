import { describe, expect, it } from 'vitest';
import { errors, type Job, type JobSpec, type Pod } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, newPod, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { JobController } from './job-controller.js';

function newJob(name: string, spec: Partial<JobSpec> = {}, status: Job['status'] = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': `uid-${name}`, 'batch.kubernetes.io/job-name': name, 'controller-uid': `uid-${name}`, 'job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', generation: 1, creationTimestamp: iso(-60_000) },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `uid-${name}` } },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
    status,
  };
}

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** jobPod is a pod of `job` on node-1 in `phase`, with one container whose state says how it ended. */
function jobPod(job: Job, name: string, phase: Phase, opts: { index?: number; exitCode?: number; finishedOffsetMs?: number; restarts?: number } = {}): Pod {
  const pod = newPod(name, job, { nodeName: 'node-1', phase });
  pod.metadata.labels = { ...job.spec.template.metadata?.labels };
  pod.metadata.finalizers = ['batch.kubernetes.io/job-tracking'];
  if (opts.index !== undefined) pod.metadata.annotations = { 'batch.kubernetes.io/job-completion-index': String(opts.index) };
  pod.spec = { ...structuredClone(job.spec.template.spec), nodeName: 'node-1' };
  const terminated = phase === 'Succeeded' || phase === 'Failed';
  const state = terminated ? { terminated: { exitCode: opts.exitCode ?? (phase === 'Failed' ? 1 : 0), finishedAt: iso(opts.finishedOffsetMs ?? -1000) } } : { running: {} };
  pod.status = { phase, containerStatuses: [{ name: 'c', ready: phase === 'Running', restartCount: opts.restarts ?? 0, image: 'busybox', imageID: '', state }] };
  return pod;
}

function fixture(opts: { backoffMs?: number } = {}) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const clock = new FakeClock(T0);
  const controller = new JobController({ informers, client, recorder, clock, ...(opts.backoffMs !== undefined ? { podFailureBackoffMs: opts.backoffMs } : {}) });
  const addJob = (job: Job): void => {
    client.jobs.objects.set(`default/${job.metadata.name}`, structuredClone(job));
    informers.jobs.indexer.add(job);
  };
  const addPods = (...pods: Pod[]): void => {
    for (const p of pods) {
      client.pods.objects.set(`default/${p.metadata.name}`, structuredClone(p));
      informers.pods.indexer.add(p);
    }
  };
  /** refresh moves the api-server's copy of the Job into the cache, as the watch would. */
  const refresh = (name: string): Job => {
    const job = structuredClone(client.jobs.objects.get(`default/${name}`)!);
    informers.jobs.indexer.update(job);
    return job;
  };
  return { informers, client, recorder, clock, controller, addJob, addPods, refresh };
}

const written = (f: ReturnType<typeof fixture>, name: string): Job => f.client.jobs.objects.get(`default/${name}`)!;

describe('JobController', () => {
  it('creates parallelism pods owned by the Job with its template labels, and records startTime and active', async () => {
    const f = fixture();
    f.addJob(newJob('pi', { completions: 5, parallelism: 2 }));
    await f.controller.reconcile('default/pi');
    expect(f.client.actions()).toEqual([
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'pi-' },
      { verb: 'create', resource: 'pods', namespace: 'default', name: 'pi-' },
      { verb: 'update', resource: 'jobs', namespace: 'default', name: 'pi', subresource: 'status' },
    ]);
    const pod = [...f.client.pods.objects.values()][0]!;
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true, blockOwnerDeletion: true }]);
    expect(pod.metadata.labels?.['batch.kubernetes.io/job-name']).toBe('pi');
    expect(pod.spec.restartPolicy).toBe('Never');
    // The pods created in this sync are active in the status it writes, as kube's job controller reports them.
    expect(written(f, 'pi').status).toEqual({ startTime: iso(0), active: 2, ready: 0, terminating: 0, succeeded: 0, failed: 0 });
    expect(f.recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate'))).toHaveLength(2);
  });

  it('keeps at most completions minus succeeded pods active and completes with CompletionsReached', async () => {
    const f = fixture();
    const job = newJob('pi', { completions: 3, parallelism: 2 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'a', 'Succeeded'), jobPod(job, 'b', 'Running'));
    await f.controller.reconcile('default/pi');
    // 1 succeeded, 1 running: 2 more are needed but parallelism 2 allows one more.
    expect(f.client.actions().filter((a) => a.verb === 'create')).toHaveLength(1);
    f.client.clearActions();
    f.refresh('pi');
    f.informers.pods.indexer.update(jobPod(job, 'b', 'Succeeded'));
    // c is the pod the first sync created, now in the cache (the watch would lower the expectation so).
    f.addPods(jobPod(job, 'c', 'Succeeded'));
    f.controller.expectations.creationObserved('default/pi');
    await f.controller.reconcile('default/pi');
    const status = written(f, 'pi').status!;
    expect(status).toMatchObject({ succeeded: 3, active: 0, completionTime: iso(0) });
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    expect(f.recorder.events).toContain('Normal Completed Job completed');
  });

  it('fails with BackoffLimitExceeded once failures pass backoffLimit, deleting the active pods', async () => {
    const f = fixture();
    const job = newJob('pi', { completions: 2, parallelism: 2, backoffLimit: 1 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'f1', 'Failed'), jobPod(job, 'f2', 'Failed'), jobPod(job, 'r', 'Running'));
    await f.controller.reconcile('default/pi');
    // The failed pods are recorded as uncounted, their finalizers come off, then the Job fails.
    expect(f.client.actions()).toEqual([
      { verb: 'update', resource: 'jobs', namespace: 'default', name: 'pi', subresource: 'status' },
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'f1' },
      { verb: 'patch', resource: 'pods', namespace: 'default', name: 'f2' },
      { verb: 'delete', resource: 'pods', namespace: 'default', name: 'r' },
      { verb: 'update', resource: 'jobs', namespace: 'default', name: 'pi', subresource: 'status' },
    ]);
    const status = written(f, 'pi').status!;
    expect(status).toMatchObject({ failed: 2, active: 0 });
    expect(status.completionTime).toBeUndefined();
    expect(status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(f.recorder.events).toContain('Warning BackoffLimitExceeded Job has reached the specified backoff limit');
  });

  it('counts container restarts as failures for restartPolicy OnFailure', async () => {
    const f = fixture();
    const job = newJob('pi', { backoffLimit: 2 }, { startTime: iso(-10_000) });
    job.spec.template.spec.restartPolicy = 'OnFailure';
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running', { restarts: 2 }));
    await f.controller.reconcile('default/pi');
    expect(written(f, 'pi').status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
  });

  it('waits the failure backoff (10s after one failure) before replacing a failed pod, on the injected clock', async () => {
    const f = fixture();
    const job = newJob('pi', { backoffLimit: 3 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'f1', 'Failed', { finishedOffsetMs: -4000 }));
    const first = await f.controller.reconcile('default/pi');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);
    expect(first.requeueAfterMs).toBe(6000);
    f.refresh('pi');
    f.clock.advance(6000);
    await f.controller.reconcile('default/pi');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toHaveLength(1);
    expect(written(f, 'pi').status?.failed).toBe(1);
  });

  it('fails with DeadlineExceeded when activeDeadlineSeconds passes, and asks to be woken at the deadline before', async () => {
    const f = fixture();
    const job = newJob('pi', { activeDeadlineSeconds: 30 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running'));
    expect((await f.controller.reconcile('default/pi')).requeueAfterMs).toBe(20_000);
    expect(f.client.actions()).toEqual([{ verb: 'update', resource: 'jobs', namespace: 'default', name: 'pi', subresource: 'status' }]);
    f.refresh('pi');
    f.client.clearActions();
    f.clock.advance(20_000);
    await f.controller.reconcile('default/pi');
    expect(f.client.actions().map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['delete pods r', 'update jobs pi']);
    expect(written(f, 'pi').status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
  });

  it('deletes active pods of a suspended Job and reports Suspended, then JobResumed with a fresh startTime', async () => {
    const f = fixture();
    const job = newJob('pi', { suspend: true }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running'));
    await f.controller.reconcile('default/pi');
    expect(f.client.actions().map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['delete pods r', 'update jobs pi']);
    expect(written(f, 'pi').status?.conditions).toEqual([{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: iso(0), lastTransitionTime: iso(0) }]);
    f.informers.pods.indexer.delete(f.informers.pods.indexer.get('default/r')!);
    f.controller.expectations.forget('default/pi');
    const resumed = f.refresh('pi');
    resumed.spec.suspend = false;
    f.client.jobs.objects.set('default/pi', structuredClone(resumed));
    f.clock.advance(5000);
    await f.controller.reconcile('default/pi');
    const status = written(f, 'pi').status!;
    expect(status.conditions?.[0]).toMatchObject({ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastTransitionTime: iso(5000) });
    expect(status.startTime).toBe(iso(5000));
    expect(f.client.actions().filter((a) => a.verb === 'create')).toHaveLength(1);
  });

  it('gives Indexed pods their index (name, annotation, label, JOB_COMPLETION_INDEX, hostname) and reports completedIndexes', async () => {
    const f = fixture();
    const job = newJob('idx', { completionMode: 'Indexed', completions: 4, parallelism: 2 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'idx-0-a', 'Succeeded', { index: 0 }), jobPod(job, 'idx-2-a', 'Succeeded', { index: 2 }));
    await f.controller.reconcile('default/idx');
    const created = [...f.client.pods.objects.values()].filter((p) => !p.status);
    expect(created.map((p) => p.metadata.generateName)).toEqual(['idx-1-', 'idx-3-']);
    const pod = created[0]!;
    expect(pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(pod.metadata.labels?.['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(pod.spec.hostname).toBe('idx-1');
    expect(pod.spec.containers[0]!.env).toEqual([{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    expect(written(f, 'idx').status).toMatchObject({ succeeded: 2, completedIndexes: '0,2' });
  });

  it('completes a work-queue Job (no completions) once one pod succeeded and none is left running', async () => {
    const f = fixture();
    const job = newJob('q', { completions: undefined, parallelism: 3 }, { startTime: iso(-10_000) });
    delete job.spec.completions;
    f.addJob(job);
    f.addPods(jobPod(job, 'a', 'Succeeded'), jobPod(job, 'b', 'Running'));
    await f.controller.reconcile('default/q');
    // One succeeded: no new pods, the running one may finish its work.
    expect(f.client.actions().filter((a) => a.verb !== 'update')).toEqual([{ verb: 'patch', resource: 'pods', namespace: 'default', name: 'a' }]);
    expect(jobStatus(written(f, 'q'))).toBe('running');
    f.refresh('q');
    f.informers.pods.indexer.update(jobPod(job, 'b', 'Succeeded'));
    await f.controller.reconcile('default/q');
    expect(jobStatus(written(f, 'q'))).toBe('Complete');
  });

  it('fails at once when a pod failure policy FailJob rule matches the exit code, and ignores pods an Ignore rule matches', async () => {
    const f = fixture();
    const job = newJob('p', {
      completions: 2,
      parallelism: 2,
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }, { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] },
    }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'ignored', 'Failed', { exitCode: 3 }));
    await f.controller.reconcile('default/p');
    expect(jobStatus(written(f, 'p'))).toBe('running');
    expect(written(f, 'p').status?.failed).toBe(0);
    f.refresh('p');
    f.addPods(jobPod(job, 'fatal', 'Failed', { exitCode: 42 }));
    await f.controller.reconcile('default/p');
    expect(written(f, 'p').status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'PodFailurePolicy',
      message: 'Container c for pod default/fatal failed with exit code 42 matching FailJob rule at index 1',
    });
  });

  it('deletes a finished Job once ttlSecondsAfterFinished passed, in the foreground, and not before', async () => {
    const f = fixture();
    const job = newJob('done', { ttlSecondsAfterFinished: 100 }, {
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: iso(-40_000), reason: 'CompletionsReached' }],
    });
    f.addJob(job);
    expect(await f.controller.reconcile('default/done')).toEqual({ requeueAfterMs: 60_000 });
    expect(f.client.actions()).toEqual([]);
    f.clock.advance(60_000);
    await f.controller.reconcile('default/done');
    expect(f.client.actions()).toEqual([{ verb: 'delete', resource: 'jobs', namespace: 'default', name: 'done' }]);
    expect(f.client.jobs.objects.has('default/done')).toBe(false);
  });

  it('never counts down: succeeded and failed pods removed by pod GC stay counted', async () => {
    const f = fixture();
    const job = newJob('pi', { completions: 5, parallelism: 1 }, { startTime: iso(-10_000), succeeded: 2, failed: 1 });
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running'));
    await f.controller.reconcile('default/pi');
    expect(written(f, 'pi').status).toMatchObject({ succeeded: 2, failed: 1, active: 1 });
  });

  it('reports active as the pods seen plus the ones created minus the ones deleted in the same sync, not a sync late', async () => {
    const f = fixture();
    const job = newJob('pi', { completions: 5, parallelism: 3 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running'));
    // Two pods to create; one create fails: only the one that exists is active.
    f.client.pods.failNext('create', new Error('etcdserver: request timed out'));
    await expect(f.controller.reconcile('default/pi')).rejects.toThrow('request timed out');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toHaveLength(2);
    expect(written(f, 'pi').status).toMatchObject({ active: 2, ready: 0, terminating: 0 });

    // Parallelism drops to 1 over three active pods (two Ready): the pending one and a Ready one are deleted, and
    // the status written in that sync already says so.
    const f2 = fixture();
    const narrowed = newJob('pi', { completions: 5, parallelism: 1 }, { startTime: iso(-10_000) });
    f2.addJob(narrowed);
    const ready = (name: string): Pod => {
      const pod = jobPod(narrowed, name, 'Running');
      pod.status!.conditions = [{ type: 'Ready', status: 'True' }];
      return pod;
    };
    f2.addPods(ready('r1'), ready('r2'), jobPod(narrowed, 'p', 'Pending'));
    await f2.controller.reconcile('default/pi');
    expect(f2.client.actions().filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual(['p', 'r1']);
    expect(written(f2, 'pi').status).toMatchObject({ active: 1, ready: 1, terminating: 2 });
  });

  it('declares a Job finished only once its active pods are deleted: a failed delete leaves it active and retries', async () => {
    const f = fixture();
    const job = newJob('pi', { activeDeadlineSeconds: 5 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running'));
    f.client.pods.failNext('delete', new Error('etcdserver: request timed out'));
    await expect(f.controller.reconcile('default/pi')).rejects.toThrow('request timed out');
    expect(written(f, 'pi').status).toMatchObject({ active: 1, terminating: 0 });
    expect(written(f, 'pi').status?.conditions).toBeUndefined();
    expect(f.recorder.events).toEqual(['Warning FailedDelete Error deleting: etcdserver: request timed out']);
    f.refresh('pi');
    f.controller.expectations.forget('default/pi');
    await f.controller.reconcile('default/pi');
    expect(written(f, 'pi').status).toMatchObject({ active: 0, terminating: 1 });
    expect(written(f, 'pi').status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
  });

  it('does not declare a Job finished while a pod it created is not in the cache yet: that pod is deleted first', async () => {
    const f = fixture();
    const job = newJob('pi', { activeDeadlineSeconds: 5 }, { startTime: iso(-10_000) });
    f.addJob(job);
    f.addPods(jobPod(job, 'r', 'Running'));
    // The last sync created a pod the watch has not delivered yet.
    f.controller.expectations.expectCreations('default/pi', 1);
    await f.controller.reconcile('default/pi');
    // Past the deadline the pods it sees are deleted, but the Job is not declared Failed: finished, it would never
    // sync again and the pod on its way would run on (kube's syncJob checks satisfiedExpectations).
    expect(f.client.actions().filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual(['r']);
    expect(written(f, 'pi').status?.conditions).toBeUndefined();
    expect(written(f, 'pi').status).toMatchObject({ active: 0, terminating: 1 });

    // The watch catches up: the created pod arrives, the deleted one is gone.
    f.client.clearActions();
    f.refresh('pi');
    f.informers.pods.indexer.delete(f.informers.pods.indexer.get('default/r')!);
    f.controller.expectations.deletionObserved('default/pi', 'default/r');
    f.addPods(jobPod(job, 'late', 'Running'));
    f.controller.expectations.creationObserved('default/pi');
    await f.controller.reconcile('default/pi');
    expect(f.client.actions().filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual(['late']);
    expect(written(f, 'pi').status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
  });

  describe('pod tracking with the batch.kubernetes.io/job-tracking finalizer', () => {
    const TRACKING = 'batch.kubernetes.io/job-tracking';
    const finalizersOf = (f: ReturnType<typeof fixture>, name: string) => f.client.pods.objects.get(`default/${name}`)?.metadata.finalizers;

    it('creates every pod with the finalizer', async () => {
      const f = fixture();
      f.addJob(newJob('pi', { completions: 2, parallelism: 2 }));
      await f.controller.reconcile('default/pi');
      expect([...f.client.pods.objects.values()].map((p) => p.metadata.finalizers)).toEqual([[TRACKING], [TRACKING]]);
    });

    it('records a finished pod as uncounted before taking its finalizer off, so a failed removal loses nothing', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 3, parallelism: 1 }, { startTime: iso(-10_000) });
      f.addJob(job);
      const done = jobPod(job, 'a', 'Succeeded');
      done.metadata.deletionTimestamp = iso(-1000); // a user deleted it at once: only the finalizer keeps it
      f.addPods(done);
      f.client.pods.failNext('patch', new Error('etcdserver: request timed out'));
      await expect(f.controller.reconcile('default/pi')).rejects.toThrow('request timed out');
      expect(written(f, 'pi').status?.uncountedTerminatedPods).toEqual({ succeeded: ['uid-a'], failed: [] });
      expect(written(f, 'pi').status?.succeeded ?? 0).toBe(0);
      expect(finalizersOf(f, 'a')).toEqual([TRACKING]);

      f.refresh('pi');
      f.client.clearActions();
      await f.controller.reconcile('default/pi');
      expect(f.client.actions().slice(0, 1)).toEqual([{ verb: 'patch', resource: 'pods', namespace: 'default', name: 'a' }]);
      expect(finalizersOf(f, 'a')).toBeUndefined();
      expect(written(f, 'pi').status?.succeeded).toBe(1);
      expect(written(f, 'pi').status?.uncountedTerminatedPods).toBeUndefined();

      // The cache still shows the finalizer (the update is not observed yet): the pod is not counted twice.
      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      expect(written(f, 'pi').status?.succeeded).toBe(1);
    });

    it('reads the live Job while the cache lags its last status write, so no pod starts beyond the completions', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 2, parallelism: 2 }, { startTime: iso(-10_000) });
      f.addJob(job);
      f.addPods(jobPod(job, 'a', 'Succeeded'), jobPod(job, 'b', 'Running'));
      await f.controller.reconcile('default/pi');
      expect(written(f, 'pi').status?.succeeded).toBe(1);
      f.client.clearActions();
      // The job cache still holds the status from before that write (succeeded 0); pod a's finalizer is off.
      await f.controller.reconcile('default/pi').catch(() => undefined);
      expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);
      expect(f.client.actions()[0]).toEqual({ verb: 'get', resource: 'jobs', namespace: 'default', name: 'pi' });
      expect(written(f, 'pi').status?.succeeded).toBe(1);
    });

    it('counts a pod deleted before it finished as failed, exactly once', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 2, parallelism: 1, backoffLimit: 5 }, { startTime: iso(-10_000) });
      f.addJob(job);
      const gone = jobPod(job, 'r', 'Running');
      gone.metadata.deletionTimestamp = iso(-1000);
      f.addPods(gone);
      await f.controller.reconcile('default/pi');
      expect(written(f, 'pi').status).toMatchObject({ failed: 1, succeeded: 0 });
      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      expect(written(f, 'pi').status?.failed).toBe(1);
    });

    /** endDeleted shows the pod being deleted as Failed (killed, exit 137) with `conditions`, and syncs the Job. */
    const endDeleted = async (f: ReturnType<typeof fixture>, job: Job, going: Pod, conditions: NonNullable<Pod['status']>['conditions'] = []): Promise<void> => {
      const ended = jobPod(job, going.metadata.name ?? '', 'Failed', { exitCode: 137 });
      ended.metadata.deletionTimestamp = going.metadata.deletionTimestamp;
      ended.status!.conditions = conditions;
      f.informers.pods.indexer.update(ended);
      f.client.pods.objects.set(`default/${ended.metadata.name}`, structuredClone(ended));
      f.refresh(job.metadata.name ?? '');
      await f.controller.reconcile(`default/${job.metadata.name}`);
    };

    it('with podReplacementPolicy Failed, counts a pod being deleted only once it is Failed, keeping its finalizer until then', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 2, parallelism: 1, backoffLimit: 5, podReplacementPolicy: 'Failed' }, { startTime: iso(-10_000) });
      f.addJob(job);
      const going = jobPod(job, 'r', 'Running');
      going.metadata.deletionTimestamp = iso(-1000);
      f.addPods(going);
      await f.controller.reconcile('default/pi');
      expect(written(f, 'pi').status).toMatchObject({ failed: 0, succeeded: 0, terminating: 1 });
      expect(finalizersOf(f, 'r')).toEqual([TRACKING]);
      // Nor is it replaced while it terminates (kube's manageJob: wantActive - terminating - active).
      expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);

      await endDeleted(f, job, going);
      expect(written(f, 'pi').status?.failed).toBe(1);
      expect(finalizersOf(f, 'r')).toBeUndefined();
    });

    it('with podReplacementPolicy Failed, an Indexed Job does not start a terminating pod\'s index again until it failed', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 2, parallelism: 2, completionMode: 'Indexed', podReplacementPolicy: 'Failed' }, { startTime: iso(-10_000) });
      f.addJob(job);
      const going = jobPod(job, 'pi-0', 'Running', { index: 0 });
      going.metadata.deletionTimestamp = iso(-1000);
      f.addPods(going, jobPod(job, 'pi-1', 'Running', { index: 1 }));
      await f.controller.reconcile('default/pi');
      expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([]);
    });

    it('with a podFailurePolicy, matches a pod being deleted by how it ended: a DisruptionTarget it Ignores is not counted', async () => {
      const f = fixture();
      const podFailurePolicy = { rules: [{ action: 'Ignore' as const, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' as const }] }] };
      const job = newJob('pi', { completions: 2, parallelism: 1, backoffLimit: 0, podFailurePolicy }, { startTime: iso(-10_000) });
      f.addJob(job);
      const going = jobPod(job, 'r', 'Running');
      going.metadata.deletionTimestamp = iso(-1000);
      f.addPods(going);
      await f.controller.reconcile('default/pi');
      // Counted now, backoffLimit 0 would fail the Job before the disruption shows on the pod.
      expect(written(f, 'pi').status).toMatchObject({ failed: 0 });
      expect(written(f, 'pi').status?.conditions ?? []).toEqual([]);

      await endDeleted(f, job, going, [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', lastTransitionTime: iso(-500) }]);
      expect(written(f, 'pi').status?.failed).toBe(0);
      expect(finalizersOf(f, 'r')).toBeUndefined();
      expect(written(f, 'pi').status?.conditions?.find((c) => c.type === 'Failed')).toBeUndefined();
    });

    it('never tops up from a pod list read before its own creation reached the cache, even if it arrives mid-sync', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 3, parallelism: 2 }, { startTime: iso(-10_000) });
      f.addJob(job);
      f.addPods(jobPod(job, 'a', 'Running'));
      await f.controller.reconcile('default/pi');
      const createdNames = () => [...f.client.pods.objects.keys()].filter((k) => k !== 'default/a');
      expect(createdNames()).toHaveLength(1);
      const [x] = createdNames();

      // Pod a succeeds while pod x is still on its way to the cache. x arrives while this sync records a (its status
      // write), as the informer would deliver it: into the cache, then the expectations observe it.
      f.refresh('pi');
      f.informers.pods.indexer.update(jobPod(job, 'a', 'Succeeded'));
      const updateStatus = f.client.jobs.updateStatus.bind(f.client.jobs);
      let delivered = false;
      f.client.jobs.updateStatus = async (obj, opts) => {
        if (!delivered) {
          delivered = true;
          f.informers.pods.indexer.add(structuredClone(f.client.pods.objects.get(x!)!));
          f.controller.expectations.creationObserved('default/pi');
        }
        return updateStatus(obj, opts);
      };
      await f.controller.reconcile('default/pi');
      expect(delivered).toBe(true);
      // a is counted (1 of 3) and x runs: one more pod is wanted, none yet from this sync's stale pod list.
      expect(createdNames()).toHaveLength(1);

      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      expect(createdNames()).toHaveLength(2);
      // The last one reaches the cache: the Job runs x and it, and wants no more.
      const last = createdNames().find((k) => k !== x)!;
      f.informers.pods.indexer.add(structuredClone(f.client.pods.objects.get(last)!));
      f.controller.expectations.creationObserved('default/pi');
      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      // Exactly completions pods ever: a, x and one more.
      expect(createdNames()).toHaveLength(2);
      expect(written(f, 'pi').status).toMatchObject({ succeeded: 1, active: 2 });
    });

    it('records Completed once, after the status write that completes the Job succeeded', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 1, parallelism: 1 }, { startTime: iso(-10_000) });
      f.addJob(job);
      f.addPods(jobPod(job, 'a', 'Succeeded'));
      const updateStatus = f.client.jobs.updateStatus.bind(f.client.jobs);
      f.client.jobs.updateStatus = async (obj, opts) => {
        // The write that sets Complete meets a conflict once, as with a Job changed under the controller.
        if (obj.status?.conditions?.some((c) => c.type === 'Complete')) {
          f.client.jobs.updateStatus = updateStatus;
          throw errors.conflict('jobs', 'batch', 'pi');
        }
        return updateStatus(obj, opts);
      };
      await expect(f.controller.reconcile('default/pi')).rejects.toThrow(/conflict|modified/i);
      expect(f.recorder.events.filter((e) => e.includes('Completed'))).toEqual([]);
      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      expect(jobStatus(written(f, 'pi'))).toBe('Complete');
      expect(written(f, 'pi').status?.succeeded).toBe(1);
      f.refresh('pi');
      await f.controller.reconcile('default/pi');
      expect(f.recorder.events.filter((e) => e.includes('Completed'))).toEqual(['Normal Completed Job completed']);
    });

    it('forgets a finalizer removal the watch showed before the patch returned, or a pod gone before it was sent', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 3, parallelism: 1 }, { startTime: iso(-10_000) });
      f.addJob(job);
      f.addPods(jobPod(job, 'a', 'Succeeded'), jobPod(job, 'b', 'Succeeded'));
      const updateStatus = f.client.jobs.updateStatus.bind(f.client.jobs);
      f.client.jobs.updateStatus = async (obj, opts) => {
        // Pod b is deleted for good (someone else took the finalizer off) while b is recorded as uncounted.
        const b = f.informers.pods.indexer.get('default/b');
        if (b) {
          f.client.pods.objects.delete('default/b');
          f.informers.pods.indexer.delete(b);
          f.controller.finalizerRemovals.observe(b, true);
        }
        return updateStatus(obj, opts);
      };
      const patch = f.client.pods.patch.bind(f.client.pods);
      f.client.pods.patch = async (name, body, opts) => {
        const patched = await patch(name, body, opts);
        // The watch delivers the pod without its finalizer before the patch's response is read.
        f.informers.pods.indexer.update(structuredClone(patched));
        f.controller.finalizerRemovals.observe(patched);
        return patched;
      };
      await f.controller.reconcile('default/pi');
      expect(written(f, 'pi').status?.succeeded).toBe(2);
      expect(f.controller.finalizerRemovals.size).toBe(0);
    });

    it('lets the pods of a Job being deleted go, and takes the finalizer off a pod whose Job is gone', async () => {
      const f = fixture();
      const job = newJob('pi', { completions: 2, parallelism: 2 });
      job.metadata.deletionTimestamp = iso(-1000);
      f.addJob(job);
      f.addPods(jobPod(job, 'a', 'Running'), jobPod(job, 'b', 'Succeeded'));
      await f.controller.reconcile('default/pi');
      expect(f.client.actions().map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['patch pods a', 'patch pods b']);
      expect([finalizersOf(f, 'a'), finalizersOf(f, 'b')]).toEqual([undefined, undefined]);

      const g = fixture();
      const ghost = newJob('ghost');
      g.addPods(jobPod(ghost, 'orphan', 'Succeeded'));
      await g.controller.reconcile('orphan-pod:default/orphan');
      expect(finalizersOf(g, 'orphan')).toBeUndefined();
    });
  });
});

function jobStatus(job: Job): string {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type ?? 'running';
}
