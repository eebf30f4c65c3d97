/**
 * Jobs at scale over live processes: api-server, scheduler, controller-manager and four simulated node agents whose
 * containers exit 0 shortly after starting. A Job of 1,000 completions with parallelism 50 creates exactly 1,000 pods
 * (none beyond the completions, so none deleted as surplus and counted failed) and records Completed once;
 * a Job whose finished pods are deleted the moment they succeed still counts every one exactly once (pod tracking
 * with the batch.kubernetes.io/job-tracking finalizer).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Job, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, mainOf } from './cluster.js';

const NS = 'default';
const built = existsSync(mainOf('controller-manager')) && existsSync(mainOf('node-agent'));
const cluster = new Cluster();
const jobs = () => cluster.client.resource<Job>(RESOURCES.jobs);
const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const complete = (job: Job) => job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');

beforeAll(async () => {
  if (!built) return;
  await cluster.startApiServer();
  await cluster.startSimulatedCluster(['jobs-sim-0', 'jobs-sim-1', 'jobs-sim-2', 'jobs-sim-3'], ['--simulated-start-delay', '100ms', '--simulated-exit', 'after=200ms,code=0', '--log-level', 'warn']);
}, 90_000);
afterAll(async () => {
  await cluster.stop();
}, 30_000);

/** PodTally watches a Job's pods: every pod ever created, every one seen Succeeded, and the most running at once. */
function tallyPods(job: string, onEvent?: (pod: Pod) => void) {
  const created = new Set<string>();
  const succeeded = new Set<string>();
  const current = new Map<string, Pod>();
  const failures: unknown[] = [];
  let maxActive = 0;
  let handle: { stop(): void } | undefined;
  return {
    created,
    succeeded,
    failures,
    maxActive: () => maxActive,
    async start() {
      const selector = `batch.kubernetes.io/job-name=${job}`;
      const initial = await cluster.client.pods.list({ namespace: NS, labelSelector: selector });
      handle = cluster.client.pods.watch({ namespace: NS, labelSelector: selector, resourceVersion: initial.metadata.resourceVersion! }, {
        onEvent(e) {
          const name = e.object.metadata.name!;
          if (e.type === 'ADDED' || e.type === 'MODIFIED') {
            created.add(name);
            if (e.object.status?.phase === 'Succeeded') succeeded.add(name);
            current.set(name, e.object);
            onEvent?.(e.object);
          } else if (e.type === 'DELETED') current.delete(name);
          maxActive = Math.max(maxActive, [...current.values()].filter((p) => !terminal(p) && !p.metadata.deletionTimestamp).length);
        },
        onError: (err) => void failures.push(err),
      });
    },
    stop: () => handle?.stop(),
  };
}

describe.skipIf(!built)('Jobs at scale on simulated nodes', () => {
  it('runs a Job of 1,000 completions with parallelism 50: exactly 1,000 pods, each success counted once, never more than 50 running, Complete once', async () => {
    const tally = tallyPods('thousand');
    await tally.start();
    try {
      await jobs().create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'thousand', namespace: NS },
        spec: { completions: 1000, parallelism: 50, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command: ['true'] }] } } },
      });
      const done = await waitFor(async () => {
        const job = await jobs().get('thousand', { namespace: NS });
        return complete(job) ? job : undefined;
      }, { what: 'Job thousand Complete', timeoutMs: 540_000, intervalMs: 1000 });
      // No pod beyond the completions: an extra one is deleted as surplus and counted failed.
      expect(done.status).toMatchObject({ succeeded: 1000, failed: 0, active: 0 });
      expect(done.status?.uncountedTerminatedPods).toBeUndefined();
      // Exact: every pod that ever succeeded is counted, once.
      expect(tally.succeeded.size).toBe(1000);
      const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=thousand' })).items;
      // Counted pods are let go: none still holds the tracking finalizer.
      expect(pods.filter((p) => p.metadata.finalizers?.length)).toEqual([]);
      expect(tally.created.size).toBe(1000);
      expect(tally.maxActive()).toBeLessThanOrEqual(50);
      expect(tally.maxActive()).toBeGreaterThan(10);
      expect(tally.failures).toEqual([]);
      // Completed is recorded once (repeats would be aggregated into the Event's count), after the write that completed it.
      const completedEvents = await waitFor(async () => {
        const events = (await cluster.client.events.list({ namespace: NS })).items.filter((e) => e.involvedObject.kind === 'Job' && e.involvedObject.name === 'thousand' && e.reason === 'Completed');
        return events.length ? events : undefined;
      }, { what: 'Completed event of Job thousand', timeoutMs: 30_000 });
      expect(completedEvents.map((e) => e.count ?? 1)).toEqual([1]);
    } finally {
      tally.stop();
    }
  }, 600_000);

  it('counts every pod exactly once when each is deleted the moment it succeeds', async () => {
    const deleting = new Set<string>();
    const tally = tallyPods('vanishing', (pod) => {
      const name = pod.metadata.name!;
      if (pod.status?.phase !== 'Succeeded' || deleting.has(name)) return;
      deleting.add(name);
      // As pod GC or an impatient user would: the pod goes before the controller may have looked at it.
      cluster.client.pods.delete(name, { namespace: NS }).catch(() => undefined);
    });
    await tally.start();
    try {
      await jobs().create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'vanishing', namespace: NS },
        spec: { completions: 60, parallelism: 10, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command: ['true'] }] } } },
      });
      const done = await waitFor(async () => {
        const job = await jobs().get('vanishing', { namespace: NS });
        return complete(job) ? job : undefined;
      }, { what: 'Job vanishing Complete', timeoutMs: 240_000, intervalMs: 500 });
      expect(done.status).toMatchObject({ succeeded: 60, active: 0 });
      // Every success was counted, though its pod was deleted at once: none went uncounted and had to run again.
      expect(tally.succeeded.size).toBe(60);
      // Every deleted pod is really gone once counted (its finalizer came off).
      await waitFor(async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=vanishing' })).items.length === 0, { what: 'vanishing pods gone', timeoutMs: 60_000 });
      expect(tally.failures).toEqual([]);
    } finally {
      tally.stop();
    }
  }, 300_000);
});
