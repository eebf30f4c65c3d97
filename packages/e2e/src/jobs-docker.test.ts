/**
 * Jobs over a real Docker engine: api-server, scheduler, controller-manager and one `--runtime docker` node agent.
 * Pods really run busybox and really exit: 0 completes the Job, 1 fails pods until backoffLimit fails the Job, and
 * an Indexed Job's containers check that JOB_COMPLETION_INDEX matches the index in their hostname.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Job, type JobSpec } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, mainOf } from './cluster.js';
import { dockerUp } from './docker.js';

const available = dockerUp() && existsSync(mainOf('node-agent')) && existsSync(mainOf('api-server'));
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE = `e2e-jobs-${SUFFIX}`;
const NS = 'default';
const cluster = new Cluster();

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** removeNode removes the Docker containers this test's node created (and only those: they carry its label). */
async function removeNode(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.dev/node=${NODE}`]).catch(() => '')).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]).catch(() => '');
}

const jobs = () => cluster.client.resource<Job>(RESOURCES.jobs);
const trueCondition = (job: Job) => job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

function job(name: string, script: string, spec: Partial<JobSpec> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', script] }] } }, ...spec },
  };
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
    cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
    cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
    cluster.start(NODE, 'node-agent', ['--runtime', 'docker', '--node-name', NODE, '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s']);
    await waitFor(async () => (await cluster.client.nodes.list()).items.some((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), { what: `${NODE} Ready`, timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await cluster.stop();
    await removeNode();
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
});
