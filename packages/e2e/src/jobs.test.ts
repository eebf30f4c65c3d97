/**
 * Jobs and CronJobs over live processes: api-server, scheduler, controller-manager and two `--runtime simulated`
 * node agents whose containers exit 0 shortly after starting, driven through @skiff/client and kubectl 1.32.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type CronJob, type Job, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const KUBECTL = '/usr/bin/kubectl';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-jobs-'));
let kubeconfig = '';

const kubectl = (...args: string[]) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 90_000 });
const jobs = () => cluster.client.resource<Job>(RESOURCES.jobs);
const cronjobs = () => cluster.client.resource<CronJob>(RESOURCES.cronjobs);
const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const condition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');

beforeAll(async () => {
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  await cluster.startSimulatedCluster(['sim-0', 'sim-1'], ['--simulated-start-delay', '100ms', '--simulated-exit', 'after=300ms,code=0']);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('Jobs on simulated nodes', () => {
  it('runs a Job of 20 completions with parallelism 5: never more than 5 pods running, exactly 20 succeeded, Complete', async () => {
    const selector = 'batch.kubernetes.io/job-name=twenty';
    const initial = await cluster.client.pods.list({ namespace: NS, labelSelector: selector });
    const current = new Map<string, Pod>();
    let maxRunning = 0;
    const failures: unknown[] = [];
    const watch = cluster.client.pods.watch({ namespace: NS, labelSelector: selector, resourceVersion: initial.metadata.resourceVersion! }, {
      onEvent(e) {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') current.set(e.object.metadata.name!, e.object);
        else if (e.type === 'DELETED') current.delete(e.object.metadata.name!);
        maxRunning = Math.max(maxRunning, [...current.values()].filter((p) => !terminal(p) && !p.metadata.deletionTimestamp).length);
      },
      onError: (err) => void failures.push(err),
    });
    try {
      await jobs().create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'twenty', namespace: NS },
        spec: { completions: 20, parallelism: 5, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command: ['true'] }] } } },
      });
      const done = await waitFor(async () => {
        const job = await jobs().get('twenty', { namespace: NS });
        return condition(job, 'Complete') ? job : undefined;
      }, { what: 'Job twenty Complete', timeoutMs: 90_000 });
      expect(done.status).toMatchObject({ succeeded: 20, failed: 0, active: 0 });
      expect(condition(done, 'Complete')?.reason).toBe('CompletionsReached');
      expect(done.status?.completionTime).toBeDefined();
      const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: selector })).items;
      expect(pods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(20);
      expect(pods).toHaveLength(20);
      expect(maxRunning).toBeLessThanOrEqual(5);
      expect(maxRunning).toBeGreaterThan(1);
      expect(failures).toEqual([]);
    } finally {
      watch.stop();
    }
  }, 120_000);

  it('kubectl: create job, wait --for=condition=complete, get jobs,cronjobs, create cronjob, create job --from=cronjob, delete job takes its pods', async () => {
    expect(existsSync(KUBECTL)).toBe(true);
    expect(await kubectl('create', 'job', 'hello', '--image=busybox:1.36', '--', 'sh', '-c', 'exit 0')).toBe('job.batch/hello created\n');
    expect(await kubectl('wait', '--for=condition=complete', 'job/hello', '--timeout=60s')).toBe('job.batch/hello condition met\n');
    expect(await kubectl('create', 'cronjob', 'tick', '--image=busybox:1.36', '--schedule=0 0 1 1 *', '--', 'sh', '-c', 'exit 0')).toBe('cronjob.batch/tick created\n');
    const table = (await kubectl('get', 'jobs,cronjobs')).split('\n');
    expect(table[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
    expect(table.find((l) => l.startsWith('job.batch/hello '))).toMatch(/^job\.batch\/hello\s+Complete\s+1\/1\s+\d+s\s+\d+s$/);
    const cjHeader = table.findIndex((l) => l.startsWith('NAME') && l.includes('SCHEDULE'));
    expect(table[cjHeader]).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/);
    expect(table[cjHeader + 1]).toMatch(/^cronjob\.batch\/tick\s+0 0 1 1 \*\s+<none>\s+False\s+0\s+<none>\s+\d+s$/);

    expect(await kubectl('create', 'job', 'manual', '--from=cronjob/tick')).toBe('job.batch/manual created\n');
    const manual = await jobs().get('manual', { namespace: NS });
    const tick = await cronjobs().get('tick', { namespace: NS });
    expect(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(manual.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'tick', uid: tick.metadata.uid });
    expect(await kubectl('wait', '--for=condition=complete', 'job/manual', '--timeout=60s')).toBe('job.batch/manual condition met\n');
    const described = await kubectl('describe', 'job', 'manual');
    expect(described).toMatch(/Controlled By:\s+CronJob\/tick/);
    expect(described).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Normal\s+Completed\s+.*Job completed/);
    expect(await kubectl('describe', 'cronjob', 'tick')).toMatch(/Schedule:\s+0 0 1 1 \*\n[^]*Successful Job History Limit:\s+3\nFailed Job History Limit:\s+1/);

    const wide = await kubectl('get', 'job', 'hello', '-o', 'wide');
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    const hello = await jobs().get('hello', { namespace: NS });
    expect(wide).toContain(`batch.kubernetes.io/controller-uid=${hello.metadata.uid}`);
    // The garbage collector takes the Job's pods with it.
    expect((await cluster.client.pods.list({ namespace: NS, labelSelector: 'job-name=hello' })).items).toHaveLength(1);
    expect(await kubectl('delete', 'job', 'hello')).toBe('job.batch "hello" deleted\n');
    await waitFor(async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'job-name=hello' })).items.length === 0, { what: "hello's pods deleted", timeoutMs: 30_000 });
  }, 150_000);

  it('a CronJob every minute starts a Job at the next minute, which completes and is recorded in its status', async () => {
    await cronjobs().create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'minutely', namespace: NS },
      spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] } } } } },
    });
    // The controller wakes itself for the next start time (at most a minute away) instead of polling.
    const cj = await waitFor(async () => {
      const c = await cronjobs().get('minutely', { namespace: NS });
      return c.status?.lastSuccessfulTime ? c : undefined;
    }, { what: 'a completed run of CronJob minutely', timeoutMs: 90_000 });
    const scheduled = Date.parse(cj.status!.lastScheduleTime!);
    expect(scheduled % 60_000).toBe(0);
    const owned = (await jobs().list({ namespace: NS })).items.filter((j) => j.metadata.ownerReferences?.[0]?.uid === cj.metadata.uid);
    expect(owned.map((j) => j.metadata.name)).toEqual([`minutely-${scheduled / 60_000}`]);
    expect(owned[0]!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(cj.status!.lastScheduleTime);
    expect(condition(owned[0]!, 'Complete')).toBeDefined();
    await cronjobs().delete('minutely', { namespace: NS });
  }, 120_000);

  it('refuses a Job whose pods would restart forever with a 422 naming the field', async () => {
    const err = await jobs()
      .create({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'forever', namespace: NS }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } })
      .then(() => undefined, (e: unknown) => e as { code: number; message: string });
    expect(err?.code).toBe(422);
    expect(err?.message).toContain('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "Never", "OnFailure"');
  });
});
