import { describe, expect, it } from 'vitest';
import { causesOf, createObject, validateUpdate } from './kind-test-helpers.js';
import { JOB_CONTROLLER_UID_LABEL, jobKind, type Job } from './job.js';

const NOW = Date.UTC(2025, 0, 1, 12);

/** create runs a body through the registry's create steps: decode, server metadata, prepareForCreate, defaults, validate. */
const create = (body: unknown): Job => createObject<Job>('jobs', body);

const body = (spec: Record<string, unknown> = {}, restartPolicy: string | null = 'Never') => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi' },
  spec: { template: { spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

describe('jobKind', () => {
  it('generates the controller-uid selector and the four labels on the template and the Job, as kube-apiserver does', () => {
    const job = create(body());
    expect(job.spec.selector).toEqual({ matchLabels: { [JOB_CONTROLLER_UID_LABEL]: 'uid-1' } });
    const labels = { 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' };
    expect(job.spec.template.metadata?.labels).toEqual(labels);
    expect(job.metadata.labels).toEqual(labels);
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' });
  });

  it('keeps completions unset for a work-queue Job that sets only parallelism', () => {
    const job = create(body({ parallelism: 3 }));
    expect(job.spec.completions).toBeUndefined();
    expect(job.spec.parallelism).toBe(3);
  });

  it('refuses restartPolicy Always (the pod default) and names the field', () => {
    expect(causesOf(() => create(body({}, null)))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "Never", "OnFailure"']);
  });

  it('refuses an Indexed Job without completions, negative counts and a user selector without manualSelector', () => {
    expect(causesOf(() => create(body({ completionMode: 'Indexed', parallelism: 2 })))).toEqual(['spec.completions: Required value: when completion mode is Indexed']);
    expect(causesOf(() => create(body({ backoffLimit: -1, activeDeadlineSeconds: 0 })))).toEqual([
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0',
    ]);
    expect(causesOf(() => create(body({ selector: { matchLabels: { app: 'x' } } })))).toContain('spec.selector: Invalid value: "app=x,batch.kubernetes.io/controller-uid=uid-1": `selector` not auto-generated');
  });

  it('takes a manual selector when manualSelector is true, checking it against the template labels', () => {
    const manual = body({ manualSelector: true, selector: { matchLabels: { app: 'x' } } });
    expect(causesOf(() => create(manual))).toEqual(['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']);
    (manual.spec.template as { metadata?: unknown }).metadata = { labels: { app: 'x' } };
    expect(create(manual).spec.selector).toEqual({ matchLabels: { app: 'x' } });
  });

  it('refuses a pod failure policy unless restartPolicy is Never, and FailJob rules on exit code 0 with In', () => {
    const rules = [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 42] } }];
    expect(causesOf(() => create(body({ podFailurePolicy: { rules } }, 'OnFailure')))).toEqual([
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: 0: must not be 0 for the In operator',
    ]);
  });

  it('keeps selector, template and completions immutable but lets suspend change', () => {
    const old = create(body({ completions: 3 }));
    const next = structuredClone(old);
    next.spec.suspend = true;
    expect(causesOf(() => validateUpdate('jobs', next, old))).toEqual([]);
    next.spec.completions = 4;
    next.spec.template.spec.containers[0]!.image = 'busybox:1.36';
    expect(causesOf(() => validateUpdate('jobs', next, old))).toEqual([
      'spec.completions: Invalid value: 4: field is immutable',
      'spec.template: Invalid value: "": field is immutable',
    ]);
  });

  it('prints kubectl 1.32 columns: status from conditions, completions, duration', () => {
    const job = create(body({ completions: 3 }));
    job.metadata.creationTimestamp = new Date(NOW - 120_000).toISOString();
    expect(jobKind.printer!.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
    expect(jobKind.printer!.cells(job, NOW)).toEqual(['pi', 'Running', '0/3', '', '2m', 'c', 'busybox', 'batch.kubernetes.io/controller-uid=uid-1']);
    job.status = { succeeded: 3, startTime: new Date(NOW - 100_000).toISOString(), completionTime: new Date(NOW - 50_000).toISOString(), conditions: [{ type: 'Complete', status: 'True' }] };
    expect(jobKind.printer!.cells(job, NOW).slice(1, 4)).toEqual(['Complete', '3/3', '50s']);
    job.status = { conditions: [{ type: 'Suspended', status: 'True' }] };
    expect(jobKind.printer!.cells(job, NOW)[1]).toBe('Suspended');
    const queue = create(body({ parallelism: 4 }));
    expect(jobKind.printer!.cells(queue, NOW)[2]).toBe('0/1 of 4');
  });
});
