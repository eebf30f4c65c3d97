/**
 * Jobs and CronJobs over a real Docker engine: api-server, scheduler, controller-manager and one `--runtime docker`
 * node agent, driven through @skiff/client and kubectl 1.32. Pods really run busybox and really exit: 0 completes
 * the Job, 1 fails pods until backoffLimit fails the Job, and an Indexed Job's containers check that
 * JOB_COMPLETION_INDEX matches the index in their hostname. A CronJob every minute starts Jobs whose containers
 * run and exit 0, records them in its status and trims its history; `kubectl create job --from=cronjob/` runs one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type CronJob, type Job, type JobSpec, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { docker } from './docker.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const available = dockerClusterAvailable();
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE = `e2e-jobs-${SUFFIX}`;
const NS = 'default';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-jobs-docker-'));
let kubeconfig = '';

const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 60_000 });
const jobs = () => cluster.client.resource<Job>(RESOURCES.jobs);
const cronjobs = () => cluster.client.resource<CronJob>(RESOURCES.cronjobs);
const trueCondition = (job: Job) => job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

function job(name: string, script: string, spec: Partial<JobSpec> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', script] }] } }, ...spec },
  };
}

/**
 * ranOnDocker checks that the one pod of Job `name` ran on the Docker node and its container exited 0: in the pod's
 * status and in the Docker engine itself, where the container carries the pod's uid.
 */
async function ranOnDocker(name: string): Promise<Pod> {
  const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  expect(pods).toHaveLength(1);
  const pod = pods[0]!;
  expect(pod.spec.nodeName).toBe(NODE);
  expect(pod.status?.phase).toBe('Succeeded');
  const status = pod.status?.containerStatuses?.[0];
  expect(status?.state?.terminated?.exitCode).toBe(0);
  const id = status?.containerID?.replace(/^docker:\/\//, '') ?? '';
  expect(id).not.toBe('');
  expect((await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{index .Config.Labels "skiff.dev/pod-uid"}}', id])).trim()).toBe(`exited 0 ${pod.metadata.uid}`);
  return pod;
}

/** ageSeconds reads kubectl's short durations ("45s", "2m5s") as seconds. */
function ageSeconds(age: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(age);
  return m && age ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
}

async function finished(name: string, timeoutMs: number): Promise<Job> {
  return waitFor(async () => {
    const j = await jobs().get(name, { namespace: NS });
    return trueCondition(j) ? j : undefined;
  }, { what: `Job ${name} to finish`, timeoutMs });
}

describe.skipIf(!available)('Jobs on a Docker node', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(dir, cluster.server);
    await startDockerCluster(cluster, [NODE]);
  }, 150_000);
  afterAll(async () => {
    await stopDockerCluster(cluster, [NODE]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('completes a Job whose container exits 0, and fails one whose container exits 1 once backoffLimit is passed', async () => {
    await jobs().create(job('exit0', 'exit 0'));
    await jobs().create(job('exit1', 'exit 1', { backoffLimit: 1 }));
    const ok = await finished('exit0', 60_000);
    expect(trueCondition(ok)).toMatchObject({ type: 'Complete', reason: 'CompletionsReached' });
    expect(ok.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    // Two failures (the first, then one retry after the 10s backoff) pass backoffLimit 1.
    const bad = await finished('exit1', 90_000);
    expect(trueCondition(bad)).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(bad.status).toMatchObject({ failed: 2, succeeded: 0, active: 0 });
    const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=exit1' })).items;
    expect(pods.map((p) => [p.status?.phase, p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode])).toEqual([['Failed', 1], ['Failed', 1]]);
  }, 180_000);

  it('gives each pod of an Indexed Job its JOB_COMPLETION_INDEX', async () => {
    // Exits 0 only when the variable equals the index at the end of the hostname (`<job>-<index>`).
    await jobs().create(job('indexed', 'test "$JOB_COMPLETION_INDEX" = "${HOSTNAME##*-}"', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 }));
    const done = await finished('indexed', 90_000);
    expect(trueCondition(done)?.type).toBe('Complete');
    expect(done.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
  }, 120_000);

  it('runs a CronJob every minute: its Jobs really run and exit 0, status and LAST SCHEDULE follow, the history is trimmed; create job --from runs one', async () => {
    writeFileSync(
      join(dir, 'cronjob.yaml'),
      [
        'apiVersion: batch/v1',
        'kind: CronJob',
        'metadata: {name: tick}',
        'spec:',
        '  schedule: "*/1 * * * *"',
        '  successfulJobsHistoryLimit: 1',
        '  failedJobsHistoryLimit: 1',
        '  jobTemplate:',
        '    spec:',
        '      backoffLimit: 0',
        '      template:',
        '        spec:',
        '          restartPolicy: Never',
        '          terminationGracePeriodSeconds: 1',
        '          containers: [{name: tick, image: "busybox:1.36", command: [sh, -c, \'echo "tick from $(hostname)"\']}]',
        '',
      ].join('\n'),
    );
    expect(await kubectl('apply', '-f', join(dir, 'cronjob.yaml'))).toBe('cronjob.batch/tick created\n');
    const cj = await cronjobs().get('tick', { namespace: NS });

    // By hand, from the CronJob's template: runs at once, owned (not listed as active) by the CronJob.
    expect(await kubectl('create', 'job', 'tick-manual', '--from=cronjob/tick')).toBe('job.batch/tick-manual created\n');
    expect(await kubectl('wait', '--for=condition=complete', 'job/tick-manual', '--timeout=90s')).toBe('job.batch/tick-manual condition met\n');
    const manual = await jobs().get('tick-manual', { namespace: NS });
    expect(manual.metadata.ownerReferences).toMatchObject([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true }]);
    expect(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    const manualPod = await ranOnDocker('tick-manual');
    expect(await kubectl('logs', 'job/tick-manual')).toBe(`tick from ${manualPod.metadata.name}\n`);

    // The first run on the schedule: at a whole minute, recorded once its Job completed.
    const first = await waitFor(async () => {
      const c = await cronjobs().get('tick', { namespace: NS });
      return c.status?.lastSuccessfulTime && c.status.lastScheduleTime ? c.status : undefined;
    }, { what: 'a completed scheduled run of CronJob tick', timeoutMs: 150_000, intervalMs: 500 });
    const firstAt = Date.parse(first.lastScheduleTime!);
    expect(firstAt % 60_000).toBe(0);
    const firstJob = await jobs().get(`tick-${firstAt / 60_000}`, { namespace: NS });
    expect(firstJob.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(firstJob.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(first.lastScheduleTime);
    expect(trueCondition(firstJob)).toMatchObject({ type: 'Complete' });
    expect(first.lastSuccessfulTime).toBe(firstJob.status?.completionTime);
    const firstPod = await ranOnDocker(firstJob.metadata.name!);

    // LAST SCHEDULE is the age of status.lastScheduleTime (read around the call: the next run may start meanwhile).
    const before = Date.now();
    const row = (await kubectl('get', 'cronjob', 'tick', '--no-headers')).trim();
    const after = Date.now();
    const latest = Date.parse((await cronjobs().get('tick', { namespace: NS })).status!.lastScheduleTime!);
    const match = /^tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+((?:\d+m)?(?:\d+s)?)\s+\S+$/.exec(row);
    expect(match, row).not.toBeNull();
    const age = ageSeconds(match![1]!);
    expect(age).toBeGreaterThanOrEqual(Math.floor((before - latest) / 1000) - 1);
    expect(age).toBeLessThanOrEqual(Math.ceil((after - firstAt) / 1000) + 1);

    // successfulJobsHistoryLimit 1: of the hand-made Job and the first run, the one that started first is deleted.
    const [older] = [manual, firstJob].sort((a, b) => Date.parse(a.status!.startTime!) - Date.parse(b.status!.startTime!));
    await waitFor(async () => (await jobs().get(older!.metadata.name!, { namespace: NS }).then(() => false, () => true)), { what: `Job ${older!.metadata.name} trimmed from the history`, timeoutMs: 30_000 });

    // The second run, a minute later, trims the first: its Job, its pod and the pod's container in Docker go.
    const second = await waitFor(async () => {
      const s = (await cronjobs().get('tick', { namespace: NS })).status;
      return s?.lastScheduleTime === new Date(firstAt + 60_000).toISOString().replace('.000Z', 'Z') && s.lastSuccessfulTime !== first.lastSuccessfulTime && !s.active ? s : undefined;
    }, { what: 'the second scheduled run of CronJob tick to complete', timeoutMs: 120_000, intervalMs: 500 });
    const secondJob = await jobs().get(`tick-${firstAt / 60_000 + 1}`, { namespace: NS });
    expect(second.lastSuccessfulTime).toBe(secondJob.status?.completionTime);
    await ranOnDocker(secondJob.metadata.name!);
    await waitFor(async () => {
      const owned = (await jobs().list({ namespace: NS })).items.filter((j) => j.metadata.ownerReferences?.[0]?.uid === cj.metadata.uid);
      return owned.length === 1 && owned[0]!.metadata.name === secondJob.metadata.name;
    }, { what: 'only the latest run left in the history', timeoutMs: 30_000 });
    await waitFor(async () => (await docker(['ps', '-aq', '--filter', `label=skiff.dev/pod-uid=${firstPod.metadata.uid}`])).trim() === '', {
      what: `the container of ${firstPod.metadata.name} removed from Docker with its Job`,
      timeoutMs: 60_000,
    });
    await cronjobs().delete('tick', { namespace: NS });
  }, 300_000);
});
