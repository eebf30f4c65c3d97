import { describe, expect, it } from 'vitest';
import { jobFromCronJob, manualJobName, restartPatch, restartRefusal, rfc3339 } from './workload-actions.js';

describe('the writes kubectl makes', () => {
  it('stamps restartedAt in RFC 3339 with whole seconds, as Go time.RFC3339', () => {
    expect(rfc3339(new Date('2026-11-30T11:19:07.654Z'))).toBe('2026-11-30T11:19:07Z');
    expect(restartPatch(new Date('2026-11-30T11:19:07.654Z'))).toEqual({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-30T11:19:07Z' } } } } });
  });

  it('refuses to restart what kubectl refuses to restart', () => {
    expect(restartRefusal('Deployment', { paused: true })).toBe("can't restart paused deployment (run rollout resume first)");
    expect(restartRefusal('Deployment', {})).toBeUndefined();
    expect(restartRefusal('StatefulSet', { updateStrategy: { type: 'OnDelete' } })).toBe('can only restart StatefulSet with RollingUpdate strategy');
    expect(restartRefusal('DaemonSet', { updateStrategy: { type: 'OnDelete' } })).toBe('can only restart DaemonSet with RollingUpdate strategy');
    expect(restartRefusal('DaemonSet', { updateStrategy: { type: 'RollingUpdate' } })).toBeUndefined();
  });

  it('builds a Job from a CronJob as kubectl create job --from=cronjob does', () => {
    const cj = {
      metadata: { name: 'nightly', namespace: 'batch', uid: 'u-1', labels: { not: 'copied' } },
      spec: {
        jobTemplate: {
          metadata: { labels: { team: 'a' }, annotations: { note: 'x', 'cronjob.kubernetes.io/instantiate': 'template-wins' } },
          spec: { completions: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
        },
      },
    };
    const job = jobFromCronJob(cj, 'nightly-manual-abc');
    expect(job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'nightly-manual-abc',
        namespace: 'batch',
        // kubectl copies the template's annotations over its own, so the template's value wins.
        annotations: { 'cronjob.kubernetes.io/instantiate': 'template-wins', note: 'x' },
        labels: { team: 'a' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'u-1', controller: true }],
      },
      spec: cj.spec.jobTemplate.spec,
    });
    expect(job['spec']).not.toBe(cj.spec.jobTemplate.spec);
    expect(jobFromCronJob({ metadata: { name: 'n', uid: 'u' }, spec: { jobTemplate: { spec: {} } } }, 'j').metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
  });

  it('names a triggered Job <cronjob>-manual-<3 characters>, within a Job name\'s 52 characters', () => {
    expect(manualJobName('nightly', () => 0)).toBe('nightly-manual-bbb');
    const long = manualJobName('x'.repeat(60));
    expect(long).toMatch(/^x{41}-manual-[a-z0-9]{3}$/);
    expect(long.length).toBe(52);
  });
});
