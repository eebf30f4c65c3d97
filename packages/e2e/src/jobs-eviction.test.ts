/**
 * An evicted Job pod over live processes (api-server, scheduler, controller-manager, a `--runtime simulated` node
 * agent whose containers run until stopped): the eviction marks the pod DisruptionTarget, so a Job whose
 * podFailurePolicy ignores that condition does not count the pod as failed and replaces it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Job, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';

const NS = 'default';
const NODE = `evict-${Math.random().toString(36).slice(2, 8)}`;
const cluster = new Cluster();
const jobs = () => cluster.client.resource<Job>(RESOURCES.jobs);

beforeAll(async () => {
  await cluster.startApiServer();
  await cluster.startSimulatedCluster([NODE], ['--simulated-start-delay', '100ms']);
}, 60_000);
afterAll(() => cluster.stop(), 30_000);

describe('Job podFailurePolicy and the Eviction API', () => {
  it('an evicted pod carries DisruptionTarget while it terminates; an Ignore rule on it keeps the Job from failing and a new pod starts', async () => {
    const selector = 'batch.kubernetes.io/job-name=evicted';
    const initial = await cluster.client.pods.list({ namespace: NS, labelSelector: selector });
    const seen: Pod[] = [];
    const failures: unknown[] = [];
    const watch = cluster.client.pods.watch({ namespace: NS, labelSelector: selector, resourceVersion: initial.metadata.resourceVersion! }, {
      onEvent: (e) => void (e.type !== 'BOOKMARK' && seen.push(e.object)),
      onError: (err) => void failures.push(err),
    });
    try {
      await jobs().create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'evicted', namespace: NS },
        spec: {
          completions: 1,
          parallelism: 1,
          // One counted failure would fail the Job.
          backoffLimit: 0,
          podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command: ['sleep', '3600'] }] } },
        },
      });
      const running = await waitFor(async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: selector })).items.find((p) => p.status?.phase === 'Running'), { what: 'the Job pod Running', timeoutMs: 60_000 });
      const name = running.metadata.name!;
      const uid = running.metadata.uid!;
      await cluster.client.raw('POST', `/api/v1/namespaces/${NS}/pods/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS } });

      // The Job goes on with a new pod once the evicted one is gone.
      const replacement = await waitFor(async () => {
        const pods = (await cluster.client.pods.list({ namespace: NS, labelSelector: selector })).items;
        return pods.some((p) => p.metadata.uid === uid) ? undefined : pods.find((p) => !p.metadata.deletionTimestamp);
      }, { what: 'the evicted pod gone and a new one created', timeoutMs: 60_000 });
      expect(replacement.metadata.uid).not.toBe(uid);

      const marked = await waitFor(() => seen.find((p) => p.metadata.uid === uid && p.metadata.deletionTimestamp), { what: 'the watch to show the evicted pod terminating', timeoutMs: 30_000 });
      expect(marked.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
      const job = await jobs().get('evicted', { namespace: NS });
      expect(job.status?.failed ?? 0).toBe(0);
      expect(job.status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type) ?? []).toEqual([]);
      expect(failures).toEqual([]);
    } finally {
      watch.stop();
    }
  }, 150_000);
});
