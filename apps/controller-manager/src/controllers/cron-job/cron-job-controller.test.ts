import { describe, expect, it } from 'vitest';
import { newControllerRef, type CronJob, type CronJobSpec, type Job } from '@skiff/api';
import { FakeClock, FakeEventRecorder } from '@skiff/controller-kit';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, T0 } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { CronJobController } from './cron-job-controller.js';

const MINUTE = 60_000;

function newCronJob(spec: Partial<CronJobSpec> = {}, status: CronJob['status'] = {}, createdOffsetMs = -90_000): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'uid-hello', resourceVersion: '1', creationTimestamp: iso(createdOffsetMs) },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    status,
  };
}

function ownedJob(cj: CronJob, name: string, state: 'running' | 'Complete' | 'Failed', startOffsetMs = -MINUTE): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: iso(startOffsetMs), ownerReferences: [newControllerRef(cj)] },
    spec: structuredClone(cj.spec.jobTemplate.spec),
    status: {
      startTime: iso(startOffsetMs),
      ...(state === 'running' ? { active: 1 } : { conditions: [{ type: state, status: 'True' }] }),
      ...(state === 'Complete' ? { completionTime: iso(startOffsetMs + 5000), succeeded: 1 } : {}),
    },
  };
}

const ref = (j: Job) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: 'default', uid: j.metadata.uid, resourceVersion: '1' });

function fixture(now = T0) {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const recorder = new FakeEventRecorder();
  const clock = new FakeClock(now);
  const controller = new CronJobController({ informers, client, recorder, clock });
  const addCronJob = (cj: CronJob): void => {
    client.cronjobs.objects.set('default/hello', structuredClone(cj));
    informers.cronjobs.indexer.add(cj);
  };
  const addJobs = (...jobs: Job[]): void => {
    for (const j of jobs) {
      client.jobs.objects.set(`default/${j.metadata.name}`, structuredClone(j));
      informers.jobs.indexer.add(j);
    }
  };
  return { informers, client, recorder, clock, controller, addCronJob, addJobs };
}

const stored = (f: ReturnType<typeof fixture>): CronJob => f.client.cronjobs.objects.get('default/hello')!;

describe('CronJobController', () => {
  it('waits for the first start time, then creates one Job named after the scheduled minute and records it', async () => {
    const f = fixture(T0 - 20_000);
    f.addCronJob(newCronJob({}, {}, -30_000));
    expect(await f.controller.reconcile('default/hello')).toEqual({ requeueAfterMs: 20_100 });
    expect(f.client.actions()).toEqual([]);
    f.clock.advance(20_000);
    expect(await f.controller.reconcile('default/hello')).toEqual({ requeueAfterMs: MINUTE + 100 });
    const name = `hello-${T0 / MINUTE}`;
    expect(f.client.actions()).toEqual([
      { verb: 'create', resource: 'jobs', namespace: 'default', name },
      { verb: 'update', resource: 'cronjobs', namespace: 'default', name: 'hello', subresource: 'status' },
    ]);
    const job = f.client.jobs.objects.get(`default/${name}`)!;
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'uid-hello', controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata.labels).toEqual({ app: 'hello' });
    expect(job.metadata.annotations).toEqual({ 'batch.kubernetes.io/cronjob-scheduled-timestamp': iso(0) });
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(stored(f).status).toEqual({ active: [{ apiVersion: 'batch/v1', kind: 'Job', name, namespace: 'default', uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion }], lastScheduleTime: iso(0) });
    expect(f.recorder.events).toContain(`Normal SuccessfulCreate Created job ${name}`);
  });

  it('after a long outage starts only the most recent missed run and warns TooManyMissedTimes past 100', async () => {
    const f = fixture();
    f.addCronJob(newCronJob({}, { lastScheduleTime: iso(-300 * MINUTE) }, -400 * MINUTE));
    await f.controller.reconcile('default/hello');
    expect(f.client.actions().filter((a) => a.verb === 'create')).toEqual([{ verb: 'create', resource: 'jobs', namespace: 'default', name: `hello-${T0 / MINUTE}` }]);
    expect(f.recorder.events).toContain('Warning TooManyMissedTimes too many missed start times: 300. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    expect(stored(f).status?.lastScheduleTime).toBe(iso(0));
  });

  it('does not warn for a few missed runs, and skips runs older than startingDeadlineSeconds', async () => {
    const few = fixture();
    few.addCronJob(newCronJob({}, { lastScheduleTime: iso(-5 * MINUTE) }));
    await few.controller.reconcile('default/hello');
    expect(few.client.actions().filter((a) => a.verb === 'create')).toHaveLength(1);
    expect(few.recorder.events.filter((e) => e.includes('TooManyMissedTimes'))).toEqual([]);
    // 30s after the start time with a 10s deadline: that run is lost, and the controller waits for the next one.
    const late = fixture(T0 + 30_000);
    late.addCronJob(newCronJob({ startingDeadlineSeconds: 10 }, { lastScheduleTime: iso(-300 * MINUTE) }));
    expect(await late.controller.reconcile('default/hello')).toEqual({ requeueAfterMs: 30_100 });
    expect(late.client.actions()).toEqual([]);
  });

  it('Forbid: does not start while a Job runs; Replace: deletes the running Job and starts the new one', async () => {
    const forbid = fixture();
    const cj = newCronJob({ concurrencyPolicy: 'Forbid' });
    const running = ownedJob(cj, 'hello-old', 'running');
    forbid.addCronJob({ ...cj, status: { active: [ref(running)], lastScheduleTime: iso(-MINUTE) } });
    forbid.addJobs(running);
    await forbid.controller.reconcile('default/hello');
    expect(forbid.client.actions()).toEqual([]);
    expect(forbid.recorder.events).toContain('Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid');

    const replace = fixture();
    replace.addCronJob({ ...newCronJob({ concurrencyPolicy: 'Replace' }), status: { active: [ref(running)], lastScheduleTime: iso(-MINUTE) } });
    replace.addJobs(running);
    await replace.controller.reconcile('default/hello');
    expect(replace.client.actions().map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['delete jobs hello-old', `create jobs hello-${T0 / MINUTE}`, 'update cronjobs hello']);
    expect(stored(replace).status?.active?.map((r) => r.name)).toEqual([`hello-${T0 / MINUTE}`]);
  });

  it('drops finished Jobs from active, records lastSuccessfulTime and prunes beyond the history limits', async () => {
    const f = fixture(T0 + 30_000);
    const cj = newCronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
    const done = [1, 2, 3, 4].map((i) => ownedJob(cj, `ok-${i}`, 'Complete', -(10 - i) * MINUTE));
    const failed = [1, 2].map((i) => ownedJob(cj, `bad-${i}`, 'Failed', -(20 - i) * MINUTE));
    f.addCronJob({ ...cj, status: { active: [ref(done[3]!)], lastScheduleTime: iso(0) } });
    f.addJobs(...done, ...failed);
    await f.controller.reconcile('default/hello');
    expect(f.client.actions().map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['delete jobs ok-1', 'delete jobs ok-2', 'delete jobs bad-1', 'update cronjobs hello']);
    expect(stored(f).status).toEqual({ lastScheduleTime: iso(0), lastSuccessfulTime: iso(-6 * MINUTE + 5000) });
    expect(f.recorder.events).toContain('Normal SawCompletedJob Saw completed job: ok-4, condition: Complete');
  });

  it('forgets an active Job that is gone from the api-server, but not one only missing from a lagging cache', async () => {
    const f = fixture(T0 + 30_000);
    const cj = newCronJob();
    const fresh = ownedJob(cj, 'fresh', 'running');
    const gone = ownedJob(cj, 'gone', 'running');
    f.client.jobs.objects.set('default/fresh', structuredClone(fresh));
    f.addCronJob({ ...cj, status: { active: [ref(fresh), ref(gone)], lastScheduleTime: iso(0) } });
    await f.controller.reconcile('default/hello');
    expect(stored(f).status?.active?.map((r) => r.name)).toEqual(['fresh']);
    expect(f.recorder.events).toContain('Normal MissingJob Active job went missing: gone');
  });

  it('reports a running Job it owns but does not list (kubectl create job --from) without adopting it into active', async () => {
    const f = fixture(T0 + 30_000);
    const cj = newCronJob();
    const manual = ownedJob(cj, 'manual', 'running');
    f.addCronJob({ ...cj, status: { lastScheduleTime: iso(0) } });
    f.addJobs(manual);
    await f.controller.reconcile('default/hello');
    expect(f.recorder.events).toContain('Warning UnexpectedJob Saw a job that the controller did not create or forgot: manual');
    expect(stored(f).status?.active).toBeUndefined();
    // Its own Job seen before its status write reached the cache: the live CronJob lists it, so nothing is reported.
    const own = fixture(T0 + 30_000);
    own.addCronJob({ ...cj, status: { lastScheduleTime: iso(0) } });
    own.client.cronjobs.objects.set('default/hello', { ...cj, status: { active: [ref(manual)], lastScheduleTime: iso(0) } });
    own.addJobs(manual);
    await own.controller.reconcile('default/hello');
    expect(own.recorder.events.filter((e) => e.includes('UnexpectedJob'))).toEqual([]);
  });

  it('starts nothing while suspended', async () => {
    const f = fixture();
    f.addCronJob(newCronJob({ suspend: true }, { lastScheduleTime: iso(-5 * MINUTE) }));
    expect(await f.controller.reconcile('default/hello')).toEqual({});
    expect(f.client.actions()).toEqual([]);
  });

  it('evaluates the schedule in spec.timeZone', async () => {
    // 09:00 in Tokyo is 00:00 UTC.
    const f = fixture(T0 + 1000);
    f.addCronJob(newCronJob({ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }, {}, -3_600_000));
    await f.controller.reconcile('default/hello');
    expect(stored(f).status?.lastScheduleTime).toBe(iso(0));
  });
});
